// The timeline widget: its source and background sampling, the visible range, the track layout, the selection.
#include "vcm/gui/timeline_widget.h"

#include "vcm/gui/background_track_sampler.h"

#include <QScrollBar>

#include <algorithm>
#include <map>
#include <tuple>

namespace vcm::gui {

TimelineWidget::TimelineWidget(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("timeline"));
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setMinimumSize(400, 200);
    m_scrollBar = new QScrollBar(Qt::Vertical, this);
    connect(m_scrollBar, &QScrollBar::valueChanged, this, [this] { update(); });
}

TimelineWidget::~TimelineWidget()
{
    m_background.reset(); // joins its thread before the members it delivers to go
}

void TimelineWidget::setBackgroundSampling(bool on)
{
    if (on == m_backgroundSampling)
        return;
    m_backgroundSampling = on;
    restartBackgroundSampler();
}

void TimelineWidget::restartBackgroundSampler()
{
    m_background.reset();
    std::fill(m_requested.begin(), m_requested.end(), false);
    if (!m_backgroundSampling || m_source == nullptr)
        return;
    std::vector<std::filesystem::path> runFiles{m_source->file(0)};
    if (m_source->comparing())
        runFiles.push_back(m_source->file(1));
    m_background = std::make_unique<BackgroundTrackSampler>(
        std::move(runFiles), m_source->tracks(), [this](std::uint64_t generation, int track, std::vector<TrackItem> items) {
            // On the sampler's thread: hand the items to the widget's thread (dropped if the widget is gone).
            QMetaObject::invokeMethod(
                this,
                [this, generation, track, items = std::move(items)]() mutable {
                    acceptSampled(generation, track, std::move(items));
                },
                Qt::QueuedConnection);
        });
    update();
}

void TimelineWidget::acceptSampled(std::uint64_t generation, int track, std::vector<TrackItem> items)
{
    if (generation != m_generation || track < 0 || static_cast<std::size_t>(track) >= m_items.size())
        return; // sampled for a range or a source no longer shown
    m_drawn[static_cast<std::size_t>(track)] = items;
    m_items[static_cast<std::size_t>(track)] = std::move(items);
    update();
}

std::vector<int> TimelineWidget::visibleTracks() const
{
    std::vector<int> tracks;
    for (const TimelineRow& row : m_rows) {
        const int top = kRulerHeight + row.y - scrollOffset();
        if (row.track >= 0 && top + row.height > kRulerHeight && top < height())
            tracks.push_back(row.track);
    }
    for (const int run : {0, 1})
        if (const int loss = findTrack(TrackKind::DataLoss, -1, run);
            loss >= 0 && std::find(tracks.begin(), tracks.end(), loss) == tracks.end())
            tracks.push_back(loss);
    return tracks;
}

const std::vector<TrackItem>& TimelineWidget::itemsToDraw(int track)
{
    static const std::vector<TrackItem> none;
    if (!m_source || track < 0 || static_cast<std::size_t>(track) >= m_items.size())
        return none;
    if (const auto& items = m_items[static_cast<std::size_t>(track)])
        return *items;
    if (!m_background)
        return itemsOf(track);
    requestVisible();
    return m_drawn[static_cast<std::size_t>(track)];
}

void TimelineWidget::requestVisible()
{
    std::vector<int> wanted;
    for (const int track : visibleTracks()) {
        const auto t = static_cast<std::size_t>(track);
        if (!m_items[t] && !m_requested[t]) {
            m_requested[t] = true;
            wanted.push_back(track);
        }
    }
    if (!wanted.empty())
        m_background->request(m_generation, m_range, plotWidth(), wanted);
}

void TimelineWidget::sampleVisibleNow()
{
    for (const int track : visibleTracks())
        itemsOf(track);
}

bool TimelineWidget::visibleItemsComplete() const
{
    const auto tracks = visibleTracks();
    return std::all_of(tracks.begin(), tracks.end(),
                       [this](int track) { return m_items[static_cast<std::size_t>(track)].has_value(); });
}

void TimelineWidget::setSource(TraceSource* source)
{
    m_source = source;
    m_collapsed.clear();
    if (source != nullptr) {
        for (const TrackGroup& group : source->groups())
            m_collapsed.push_back(group.collapsed);
    }
    m_selection.reset();
    m_highlighted.clear();
    m_area.reset();
    m_marks.clear();
    emit marksChanged();
    m_drawn.assign(source ? source->tracks().size() : 0, {});
    relayout();
    restartBackgroundSampler();
    showWholeRun();
    emit selectionChanged();
}

void TimelineWidget::setGrownSource(TraceSource* source)
{
    if (m_source == nullptr || source == nullptr) {
        setSource(source);
        return;
    }
    // A track is the same when it shows the same entity's rows of the same kind in the same run (a comparison
    // added or dropped keeps A's tracks).
    std::map<std::tuple<int, TrackKind, std::int64_t>, int> trackIndex;
    for (std::size_t i = 0; i < source->tracks().size(); ++i) {
        const TrackInfo& info = source->tracks()[i];
        trackIndex.emplace(std::tuple(info.run, info.kind, info.entity), static_cast<int>(i));
    }
    const auto carried = [&](int oldTrack) {
        if (oldTrack < 0 || static_cast<std::size_t>(oldTrack) >= m_source->tracks().size())
            return -1;
        const TrackInfo& info = m_source->tracks()[static_cast<std::size_t>(oldTrack)];
        const auto found = trackIndex.find(std::tuple(info.run, info.kind, info.entity));
        return found == trackIndex.end() ? -1 : found->second;
    };
    std::map<QString, bool> collapsedGroups;
    for (std::size_t g = 0; g < m_source->groups().size() && g < m_collapsed.size(); ++g)
        collapsedGroups.emplace(m_source->groups()[g].name, m_collapsed[g]);
    if (m_selection)
        m_selection->track = carried(m_selection->track);
    if (m_area) {
        std::vector<int> tracks;
        for (int track : m_area->tracks) {
            if (const int now = carried(track); now >= 0)
                tracks.push_back(now);
        }
        m_area->tracks = std::move(tracks);
    }
    std::vector<std::vector<TrackItem>> drawn(source->tracks().size());
    for (std::size_t t = 0; t < m_drawn.size(); ++t) {
        if (const int now = carried(static_cast<int>(t)); now >= 0)
            drawn[static_cast<std::size_t>(now)] = std::move(m_drawn[t]);
    }
    m_drawn = std::move(drawn);
    m_source = source;
    // A group seen before keeps its state; a new one starts as its catalogue says.
    m_collapsed.clear();
    for (const TrackGroup& group : source->groups()) {
        const auto known = collapsedGroups.find(group.name);
        m_collapsed.push_back(known != collapsedGroups.end() ? known->second : group.collapsed);
    }
    const int scroll = m_scrollBar->value();
    relayout();
    restartBackgroundSampler();
    m_scrollBar->setValue(scroll);
    const TimeRange kept = m_range;
    m_range = clamped(kept, source->bounds());
    if (!(m_range == kept))
        emit rangeChanged(m_range);
}

void TimelineWidget::showWholeRun()
{
    setVisibleRange(m_source ? TimeRange{axisBounds().start, axisBounds().end} : TimeRange{0, 1});
}

TimeBounds TimelineWidget::axisBounds() const
{
    return m_source ? m_source->bounds() : TimeBounds{};
}

void TimelineWidget::setVisibleRange(const TimeRange& range)
{
    const TimeRange next = m_source ? clamped(range, axisBounds()) : range;
    if (next == m_range)
        return;
    m_range = next;
    invalidateItems();
    update();
    emit rangeChanged(m_range);
}

int TimelineWidget::plotWidth() const
{
    return std::max(width() - kLabelWidth - kScrollBarWidth, 1);
}

double TimelineWidget::xForTime(double ns) const
{
    return kLabelWidth + (ns - m_range.start) * plotWidth() / m_range.width();
}

double TimelineWidget::timeForX(double x) const
{
    return m_range.start + (x - kLabelWidth) * m_range.width() / plotWidth();
}

void TimelineWidget::relayout()
{
    m_rows = m_source ? layoutTimeline(m_source->groups(), m_collapsed) : std::vector<TimelineRow>{};
    m_items.assign(m_source ? m_source->tracks().size() : 0, std::nullopt);
    m_requested.assign(m_items.size(), false);
    m_drawn.resize(m_items.size());
    ++m_generation;
    const int visible = height() - kRulerHeight;
    m_scrollBar->setGeometry(width() - kScrollBarWidth, kRulerHeight, kScrollBarWidth, std::max(visible, 0));
    m_scrollBar->setRange(0, std::max(contentHeight(m_rows) - visible, 0));
    m_scrollBar->setPageStep(std::max(visible, 1));
    m_scrollBar->setSingleStep(kTrackHeight);
    update();
}

void TimelineWidget::invalidateItems()
{
    for (auto& items : m_items)
        items.reset();
    std::fill(m_requested.begin(), m_requested.end(), false);
    ++m_generation;
}

int TimelineWidget::scrollOffset() const
{
    return m_scrollBar->value();
}

QRect TimelineWidget::trackRect(int track) const
{
    for (const TimelineRow& row : m_rows) {
        if (row.track != track)
            continue;
        const int top = kRulerHeight + row.y - scrollOffset();
        if (top + row.height <= kRulerHeight || top >= height())
            return {};
        return {kLabelWidth, top, plotWidth(), row.height};
    }
    return {};
}

int TimelineWidget::trackAt(const QPoint& position) const
{
    const int y = position.y() - kRulerHeight + scrollOffset();
    if (position.y() < kRulerHeight)
        return -1;
    for (const TimelineRow& row : m_rows) {
        if (y >= row.y && y < row.y + row.height)
            return row.track;
    }
    return -1;
}

int TimelineWidget::findTrack(TrackKind kind, std::int64_t entity, int run) const
{
    if (!m_source)
        return -1;
    const auto& tracks = m_source->tracks();
    for (std::size_t i = 0; i < tracks.size(); ++i) {
        if (tracks[i].kind == kind && tracks[i].run == run && (entity < 0 || tracks[i].entity == entity))
            return static_cast<int>(i);
    }
    return -1;
}

void TimelineWidget::scrollToTrack(int track)
{
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].track != track)
            continue;
        int y = m_rows[i].y;
        // The group's header is the last header row before the track.
        for (std::size_t h = i; h-- > 0;) {
            if (m_rows[h].track < 0) {
                y = m_rows[h].y;
                break;
            }
        }
        m_scrollBar->setValue(y);
        return;
    }
}

bool TimelineWidget::isGroupCollapsed(int group) const
{
    return group >= 0 && static_cast<std::size_t>(group) < m_collapsed.size() && m_collapsed[static_cast<std::size_t>(group)];
}

void TimelineWidget::setGroupCollapsed(int group, bool collapsed)
{
    if (group < 0 || static_cast<std::size_t>(group) >= m_collapsed.size())
        return;
    m_collapsed[static_cast<std::size_t>(group)] = collapsed;
    relayout();
}

const std::vector<TrackItem>& TimelineWidget::itemsOf(int track)
{
    static const std::vector<TrackItem> none;
    if (!m_source || track < 0 || static_cast<std::size_t>(track) >= m_items.size())
        return none;
    auto& items = m_items[static_cast<std::size_t>(track)];
    if (!items) {
        items = m_source->sample(track, m_range, plotWidth());
        m_drawn[static_cast<std::size_t>(track)] = *items;
    }
    return *items;
}

void TimelineWidget::setSelection(const std::optional<TimelineSelection>& selection)
{
    m_selection = selection;
    update();
    emit selectionChanged();
}

void TimelineWidget::setHighlightedRows(std::vector<RowRef> rows)
{
    m_highlighted = std::move(rows);
    update();
}

void TimelineWidget::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    relayout();
}

} // namespace vcm::gui

#include "vcm/gui/timeline_widget.h"

#include "vcm/gui/background_track_sampler.h"

#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_palette.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace vcm::gui {

namespace {

constexpr int kClickSlopPixels = 3;   // a press and release closer than this is a click, not a drag
constexpr int kHitSlopPixels = 3;     // a click this close to an item selects it
constexpr double kFocusMargin = 0.10; // F frames the selection with this fraction of its width on each side
constexpr double kWheelNotch = 120.0;

int toInt(double value)
{
    return static_cast<int>(std::lround(std::clamp(value, -1e6, 1e6)));
}

} // namespace

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
    std::vector<TrackQuery> queries;
    for (const TrackInfo& track : m_source->tracks())
        queries.push_back(track.query);
    m_background = std::make_unique<BackgroundTrackSampler>(
        m_source->file(), std::move(queries), [this](std::uint64_t generation, int track, std::vector<TrackItem> items) {
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
    if (const int loss = findTrack(TrackKind::DataLoss);
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
    std::map<std::pair<TrackKind, std::int64_t>, int> trackIndex;
    for (std::size_t i = 0; i < source->tracks().size(); ++i)
        trackIndex.emplace(std::pair(source->tracks()[i].kind, source->tracks()[i].entity), static_cast<int>(i));
    const auto carried = [&](int oldTrack) {
        if (oldTrack < 0 || static_cast<std::size_t>(oldTrack) >= m_source->tracks().size())
            return -1;
        const TrackInfo& info = m_source->tracks()[static_cast<std::size_t>(oldTrack)];
        const auto found = trackIndex.find(std::pair(info.kind, info.entity));
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
    setVisibleRange(m_source ? TimeRange{m_source->bounds().start, m_source->bounds().end} : TimeRange{0, 1});
}

void TimelineWidget::setVisibleRange(const TimeRange& range)
{
    const TimeRange next = m_source ? clamped(range, m_source->bounds()) : range;
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

int TimelineWidget::findTrack(TrackKind kind, std::int64_t entity) const
{
    if (!m_source)
        return -1;
    const auto& tracks = m_source->tracks();
    for (std::size_t i = 0; i < tracks.size(); ++i) {
        if (tracks[i].kind == kind && (entity < 0 || tracks[i].entity == entity))
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

void TimelineWidget::zoomStep(int steps, double anchorFraction)
{
    if (!m_source)
        return;
    setVisibleRange(zoomed(m_range, std::pow(kZoomStepFactor, steps), anchorFraction, m_source->bounds()));
}

void TimelineWidget::panStep(double steps)
{
    if (!m_source)
        return;
    setVisibleRange(panned(m_range, steps * kPanStepFraction, m_source->bounds()));
}

void TimelineWidget::focusSelection()
{
    if (m_area) {
        setVisibleRange(framing(m_area->range.start, m_area->range.end, kFocusMargin));
        return;
    }
    if (!m_selection)
        return;
    const auto start = static_cast<double>(m_selection->ts);
    const auto end = static_cast<double>(m_selection->end);
    if (end > start) {
        setVisibleRange(framing(start, end, kFocusMargin));
    } else {
        // An instant: centre it, keep the zoom.
        const double half = m_range.width() / 2;
        setVisibleRange({start - half, start + half});
    }
}

bool TimelineWidget::stepEvent(int track, bool forward, double fromTime)
{
    if (!m_source || track < 0)
        return false;
    std::int64_t ts = static_cast<std::int64_t>(std::floor(fromTime));
    std::int64_t rowId = forward ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    const std::string& table = m_source->tracks()[static_cast<std::size_t>(track)].query.table;
    if (m_selection && m_selection->row.table == table) {
        ts = m_selection->ts;
        rowId = m_selection->row.id;
    }
    const std::optional<TrackItem> item = m_source->neighbour(track, ts, rowId, forward);
    if (!item)
        return false;
    setSelection(TimelineSelection{{table, item->rowId}, item->ts, item->end, track});
    const auto start = static_cast<double>(item->ts);
    if (!m_range.contains(start)) {
        const double half = m_range.width() / 2;
        setVisibleRange({start - half, start + half});
    }
    return true;
}

QString TimelineWidget::keysHelp()
{
    return tr("W / S\tzoom in / out by %1x at the pointer\n"
              "A / D\tpan left / right by %2% of the visible width\n"
              "Ctrl+wheel\tzoom (one notch = one W/S)\n"
              "Shift+wheel\tpan (one notch = one A/D)\n"
              "wheel\tscroll the tracks\n"
              "drag\tpan\n"
              "Shift+drag\tselect an area (time range x tracks)\n"
              "click\tselect an event; click a group name to collapse it\n"
              "double-click\tfocus the event\n"
              ". / ,\tnext / previous event on the track under the pointer\n"
              "M\tmark the time under the pointer (Shift+M clears the marks)\n"
              "F\tfocus the selection or the area\n"
              "Home\tshow the whole run\n"
              "Esc\tclear the selection\n"
              "?\tthis list")
        .arg(kZoomStepFactor)
        .arg(kPanStepFraction * 100);
}

double TimelineWidget::pointerFraction() const
{
    if (!m_pointer || m_pointer->x() < kLabelWidth || m_pointer->x() >= kLabelWidth + plotWidth())
        return 0.5;
    return (m_pointer->x() - kLabelWidth) / static_cast<double>(plotWidth());
}

std::optional<TimelineSelection> TimelineWidget::itemAt(const QPoint& position)
{
    const int track = trackAt(position);
    if (!m_source || track < 0 || position.x() < kLabelWidth)
        return std::nullopt;
    const std::vector<TrackItem>& items = itemsOf(track);
    const TrackItem* best = nullptr;
    double bestDistance = kHitSlopPixels + 1;
    for (const TrackItem& item : items) {
        const double x0 = xForTime(static_cast<double>(item.ts));
        const double x1 = std::max(xForTime(static_cast<double>(item.end)), x0 + 1);
        const double distance = position.x() < x0 ? x0 - position.x() : (position.x() > x1 ? position.x() - x1 : 0);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = &item;
        }
    }
    if (!best)
        return std::nullopt;
    const std::string& table = m_source->tracks()[static_cast<std::size_t>(track)].query.table;
    return TimelineSelection{{table, best->rowId}, best->ts, best->end, track};
}

void TimelineWidget::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    relayout();
}

void TimelineWidget::keyPressEvent(QKeyEvent* event)
{
    const bool shift = event->modifiers().testFlag(Qt::ShiftModifier);
    switch (event->key()) {
    case Qt::Key_W: zoomStep(1, pointerFraction()); break;
    case Qt::Key_S: zoomStep(-1, pointerFraction()); break;
    case Qt::Key_A: panStep(-1); break;
    case Qt::Key_D: panStep(1); break;
    case Qt::Key_Period:
    case Qt::Key_Comma: {
        int track = m_pointer ? trackAt(*m_pointer) : -1;
        if (track < 0 && m_selection)
            track = m_selection->track;
        const double from = m_pointer && m_pointer->x() >= kLabelWidth ? timeForX(m_pointer->x()) : m_range.start;
        stepEvent(track, event->key() == Qt::Key_Period, from);
        break;
    }
    case Qt::Key_M:
        if (shift) {
            m_marks.clear();
        } else {
            m_marks.push_back(m_pointer && m_pointer->x() >= kLabelWidth ? timeForX(m_pointer->x())
                              : m_selection                              ? static_cast<double>(m_selection->ts)
                                                                         : (m_range.start + m_range.end) / 2);
        }
        update();
        break;
    case Qt::Key_F: focusSelection(); break;
    case Qt::Key_Home: showWholeRun(); break;
    case Qt::Key_Escape:
        m_area.reset();
        setSelection(std::nullopt);
        emit areaSelectionChanged();
        break;
    case Qt::Key_Question: emit keysHelpRequested(); break;
    default: QWidget::keyPressEvent(event); return;
    }
    event->accept();
}

void TimelineWidget::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_pressPosition = event->position().toPoint();
    m_pressRange = m_range;
    m_dragMoved = false;
    m_drag = event->modifiers().testFlag(Qt::ShiftModifier) ? Drag::Area : Drag::Pan;
    event->accept();
}

void TimelineWidget::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint position = event->position().toPoint();
    m_pointer = position;
    if (m_drag == Drag::None)
        return;
    if ((position - m_pressPosition).manhattanLength() >= kClickSlopPixels)
        m_dragMoved = true;
    if (!m_dragMoved)
        return;
    if (m_drag == Drag::Pan) {
        const double shift = (position.x() - m_pressPosition.x()) * m_pressRange.width() / plotWidth();
        setVisibleRange({m_pressRange.start - shift, m_pressRange.end - shift});
    } else {
        const double a = timeForX(std::max(std::min(m_pressPosition.x(), position.x()), kLabelWidth));
        const double b = timeForX(std::max(std::max(m_pressPosition.x(), position.x()), kLabelWidth));
        AreaSelection area{{a, b}, {}};
        const int top = std::min(m_pressPosition.y(), position.y());
        const int bottom = std::max(m_pressPosition.y(), position.y());
        for (const TimelineRow& row : m_rows) {
            const int rowTop = kRulerHeight + row.y - scrollOffset();
            if (row.track >= 0 && rowTop + row.height > top && rowTop <= bottom)
                area.tracks.push_back(row.track);
        }
        m_area = area;
        update();
    }
}

void TimelineWidget::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || m_drag == Drag::None) {
        QWidget::mouseReleaseEvent(event);
        return;
    }
    const Drag drag = m_drag;
    m_drag = Drag::None;
    if (drag == Drag::Area && m_dragMoved) {
        emit areaSelectionChanged();
        return;
    }
    if (m_dragMoved)
        return;
    const QPoint position = event->position().toPoint();
    // A click on a group header (anywhere on its row) collapses or expands the group.
    const int contentY = position.y() - kRulerHeight + scrollOffset();
    for (const TimelineRow& row : m_rows) {
        if (row.track < 0 && position.y() >= kRulerHeight && contentY >= row.y && contentY < row.y + row.height &&
            position.x() < kLabelWidth) {
            setGroupCollapsed(row.group, !isGroupCollapsed(row.group));
            return;
        }
    }
    if (m_area) {
        m_area.reset();
        emit areaSelectionChanged();
    }
    setSelection(itemAt(position));
}

void TimelineWidget::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (auto item = itemAt(event->position().toPoint())) {
        setSelection(item);
        focusSelection();
    }
}

void TimelineWidget::wheelEvent(QWheelEvent* event)
{
    const double notches = event->angleDelta().y() / kWheelNotch;
    if (event->modifiers().testFlag(Qt::ControlModifier)) {
        m_pointer = event->position().toPoint();
        if (m_source)
            setVisibleRange(zoomed(m_range, std::pow(kZoomStepFactor, notches), pointerFraction(), m_source->bounds()));
    } else if (event->modifiers().testFlag(Qt::ShiftModifier)) {
        // Wheel down (negative delta) moves later in time, as a horizontal scroll bar would.
        const double horizontal = event->angleDelta().x() != 0 ? event->angleDelta().x() : event->angleDelta().y();
        panStep(-horizontal / kWheelNotch);
    } else {
        m_scrollBar->setValue(m_scrollBar->value() - toInt(notches * 3 * kTrackHeight));
    }
    event->accept();
}

void TimelineWidget::leaveEvent(QEvent* event)
{
    m_pointer.reset();
    QWidget::leaveEvent(event);
}

void TimelineWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette::kBackground);
    if (!m_source) {
        painter.setPen(palette::kText);
        painter.drawText(rect(), Qt::AlignCenter, tr("No trace open: File > Open, or drop a database or trace here"));
        return;
    }
    paintRows(painter);
    paintLossOverlay(painter);
    paintOverlays(painter);
    paintRuler(painter);
}

void TimelineWidget::paintRuler(QPainter& painter)
{
    const QRect ruler(0, 0, width(), kRulerHeight);
    painter.fillRect(ruler, palette::kLabelBackground);
    painter.setPen(palette::kText);
    painter.drawText(QRect(6, 0, kLabelWidth - 12, kRulerHeight), Qt::AlignVCenter | Qt::AlignLeft,
                     formatDuration(m_range.width()));
    const double nsPerPixel = m_range.width() / plotWidth();
    const double step = rulerStep(nsPerPixel, 90);
    painter.save();
    painter.setClipRect(QRect(kLabelWidth, 0, plotWidth(), height()));
    for (double t = std::ceil(m_range.start / step) * step; t < m_range.end; t += step) {
        const int x = toInt(xForTime(t));
        painter.setPen(palette::kText);
        painter.drawLine(x, kRulerHeight - 6, x, kRulerHeight);
        painter.drawText(x + 3, kRulerHeight - 8, formatTick(t, step));
    }
    painter.restore();
    painter.setPen(palette::kGrid.darker(130));
    painter.drawLine(0, kRulerHeight - 1, width(), kRulerHeight - 1);
}

void TimelineWidget::paintRows(QPainter& painter)
{
    // Grid lines first (the ruler's ticks), then rows on top with transparent backgrounds for tracks.
    const double step = rulerStep(m_range.width() / plotWidth(), 90);
    painter.setPen(palette::kGrid);
    for (double t = std::ceil(m_range.start / step) * step; t < m_range.end; t += step) {
        const int x = toInt(xForTime(t));
        painter.drawLine(x, kRulerHeight, x, height());
    }
    const auto& groups = m_source->groups();
    const auto& tracks = m_source->tracks();
    for (const TimelineRow& row : m_rows) {
        const int top = kRulerHeight + row.y - scrollOffset();
        if (top + row.height <= kRulerHeight || top >= height())
            continue;
        if (row.track < 0) {
            const QRect header(0, top, width() - kScrollBarWidth, row.height);
            painter.fillRect(header, palette::kGroupBackground);
            painter.setPen(palette::kText);
            QFont bold = font();
            bold.setBold(true);
            painter.setFont(bold);
            const QString arrow = isGroupCollapsed(row.group) ? QStringLiteral("\u25B8 ") : QStringLiteral("\u25BE ");
            painter.drawText(header.adjusted(6, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft,
                             arrow + groups[static_cast<std::size_t>(row.group)].name);
            painter.setFont(font());
            continue;
        }
        const QRect label(0, top, kLabelWidth, row.height);
        painter.fillRect(label, palette::kLabelBackground);
        painter.setPen(palette::kText);
        painter.drawText(label.adjusted(18, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft,
                         tracks[static_cast<std::size_t>(row.track)].name);
        const QRect plot(kLabelWidth, top, plotWidth(), row.height);
        painter.save();
        painter.setClipRect(plot.intersected(QRect(kLabelWidth, kRulerHeight, plotWidth(), height())));
        paintTrack(painter, row.track, plot);
        painter.restore();
        painter.setPen(palette::kGrid);
        painter.drawLine(0, top + row.height - 1, kLabelWidth + plotWidth(), top + row.height - 1);
    }
}

void TimelineWidget::paintTrack(QPainter& painter, int track, const QRect& rect)
{
    const TrackInfo& info = m_source->tracks()[static_cast<std::size_t>(track)];
    const std::vector<TrackItem>& items = itemsToDraw(track);
    const QFontMetrics metrics = painter.fontMetrics();
    const int top = rect.top() + 2;
    const int itemHeight = rect.height() - 4;
    const bool linked = info.kind == TrackKind::VmSegments || info.kind == TrackKind::CoreHypervisor;
    // Links back to the write an item missed or destroyed, under the items: a line from the write (a small
    // open circle) to the item.
    for (const TrackItem& item : items) {
        if (!item.origin || *item.origin > item.ts)
            continue;
        const int y = top + itemHeight * 3 / 4;
        const int from = toInt(std::max(xForTime(static_cast<double>(*item.origin)), rect.left() - 8.0));
        const int to = toInt(xForTime(static_cast<double>(item.ts)));
        painter.setPen(QPen(palette::kWriteLink, 1));
        painter.drawLine(from, y, to, y);
        painter.setBrush(Qt::white);
        painter.drawEllipse(QPoint(from, y), 3, 3);
        painter.setBrush(Qt::NoBrush);
    }
    const TrackItem* previous = nullptr;
    for (const TrackItem& item : items) {
        const double x0 = std::max(xForTime(static_cast<double>(item.ts)), rect.left() - 2.0);
        const double x1 = std::min(xForTime(static_cast<double>(item.end)), rect.right() + 2.0);
        const QColor colour = palette::itemColour(info.kind, item.style);
        if (linked && previous && previous->link != 0 && previous->link == item.link) {
            // Preempted segments of one flush: a line from where one stopped to where the next resumed.
            const int y = top + itemHeight / 2;
            painter.setPen(QPen(palette::kSegmentLink, 1, Qt::DotLine));
            painter.drawLine(toInt(xForTime(static_cast<double>(previous->end))), y, toInt(x0), y);
        }
        previous = &item;
        if (info.instants) {
            const int x = toInt(x0);
            painter.fillRect(QRect(x, top, item.rows > 1 ? 2 : 1, itemHeight), colour);
            if (!item.label.isEmpty() && item.rows == 1 && (info.kind == TrackKind::VcpuMarkers || info.kind == TrackKind::VcpuConsole)) {
                const auto next = std::next(&item);
                const double room = next < items.data() + items.size() ? xForTime(static_cast<double>(next->ts)) - x : 400;
                if (room > 30) {
                    painter.setPen(palette::kText);
                    painter.drawText(QRect(x + 3, top, toInt(room) - 4, itemHeight), Qt::AlignVCenter | Qt::AlignLeft,
                                     metrics.elidedText(item.label, Qt::ElideRight, toInt(room) - 4));
                }
            }
            continue;
        }
        const QRect box(toInt(x0), top, std::max(toInt(x1) - toInt(x0), 1), itemHeight);
        if (info.kind == TrackKind::DataLoss) {
            painter.fillRect(box, palette::kLossBackground);
            painter.fillRect(box, QBrush(palette::kLossHatch, Qt::BDiagPattern));
        } else {
            painter.fillRect(box, colour);
        }
        if (box.width() > 24) {
            QString text = item.label;
            if (info.kind == TrackKind::CoreVcpu) {
                const auto name = m_source->facts().vcpuNames.find(item.style);
                text = name != m_source->facts().vcpuNames.end() ? name->second : QString::number(item.style);
            }
            if (!text.isEmpty() && item.rows == 1) {
                painter.setPen(info.kind == TrackKind::DataLoss || info.kind == TrackKind::VcpuSctlr ? palette::kText
                                                                                                      : Qt::white);
                const QRect visible = box.intersected(rect);
                painter.drawText(visible.adjusted(3, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft,
                                 metrics.elidedText(text, Qt::ElideRight, visible.width() - 5));
            }
        }
    }
    // Selection and evidence outlines.
    for (const TrackItem& item : items) {
        const RowRef row{info.query.table, item.rowId};
        const bool selected = m_selection && m_selection->row == row;
        const bool evidence = std::find(m_highlighted.begin(), m_highlighted.end(), row) != m_highlighted.end();
        if (!selected && !evidence)
            continue;
        const int x0 = toInt(xForTime(static_cast<double>(item.ts)));
        const int x1 = std::max(toInt(xForTime(static_cast<double>(item.end))), x0 + 1);
        painter.setPen(QPen(selected ? palette::kSelection : palette::kEvidence, 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(QRect(x0 - 1, rect.top() + 1, x1 - x0 + 2, rect.height() - 3));
    }
}

void TimelineWidget::paintLossOverlay(QPainter& painter)
{
    // Lost data is "unknown", never "nothing happened": every track is hatched over the lost stretch.
    const int track = findTrack(TrackKind::DataLoss);
    if (track < 0)
        return;
    painter.save();
    painter.setClipRect(QRect(kLabelWidth, kRulerHeight, plotWidth(), height() - kRulerHeight));
    QColor hatch = palette::kLossHatch;
    hatch.setAlpha(110);
    for (const TrackItem& item : itemsToDraw(track)) {
        const int x0 = toInt(xForTime(static_cast<double>(item.ts)));
        const int x1 = std::max(toInt(xForTime(static_cast<double>(item.end))), x0 + 3);
        painter.fillRect(QRect(x0, kRulerHeight, x1 - x0, height() - kRulerHeight), QBrush(hatch, Qt::BDiagPattern));
    }
    painter.restore();
}

void TimelineWidget::paintOverlays(QPainter& painter)
{
    painter.save();
    painter.setClipRect(QRect(kLabelWidth, 0, plotWidth(), height()));
    if (m_area) {
        const int x0 = toInt(xForTime(m_area->range.start));
        const int x1 = toInt(xForTime(m_area->range.end));
        for (const int track : m_area->tracks) {
            const QRect row = trackRect(track);
            if (!row.isEmpty())
                painter.fillRect(QRect(x0, row.top(), std::max(x1 - x0, 1), row.height()), palette::kAreaSelection);
        }
        painter.setPen(QPen(palette::kAreaSelection.darker(200), 1, Qt::DashLine));
        painter.drawLine(x0, kRulerHeight, x0, height());
        painter.drawLine(x1, kRulerHeight, x1, height());
    }
    painter.setPen(QPen(palette::kMark, 1));
    for (const double mark : m_marks) {
        const int x = toInt(xForTime(mark));
        painter.drawLine(x, 0, x, height());
        painter.drawText(x + 3, kRulerHeight + 12, formatTime(mark));
    }
    painter.restore();
}

} // namespace vcm::gui

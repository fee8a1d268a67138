// The timeline's navigation: zoom, pan, focus and event steps, and the keys, mouse and wheel that drive them.
#include "vcm/gui/timeline_widget.h"

#include "timeline_pixels.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vcm::gui {

namespace {

constexpr int kClickSlopPixels = 3;   // a press and release closer than this is a click, not a drag
constexpr int kHitSlopPixels = 3;     // a click this close to an item selects it
constexpr double kFocusMargin = 0.10; // F frames the selection with this fraction of its width on each side
constexpr double kWheelNotch = 120.0;

} // namespace

void TimelineWidget::zoomStep(int steps, double anchorFraction)
{
    if (!m_source)
        return;
    setVisibleRange(zoomed(m_range, std::pow(kZoomStepFactor, steps), anchorFraction, axisBounds()));
}

void TimelineWidget::panStep(double steps)
{
    if (!m_source)
        return;
    setVisibleRange(panned(m_range, steps * kPanStepFraction, axisBounds()));
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
    const TrackInfo& info = m_source->tracks()[static_cast<std::size_t>(track)];
    if (m_selection && m_selection->row.table == info.query.table && m_selection->row.run == info.run) {
        ts = m_selection->ts;
        rowId = m_selection->row.id;
    }
    const std::optional<TrackItem> item = m_source->neighbour(track, ts, rowId, forward);
    if (!item)
        return false;
    setSelection(TimelineSelection{{info.query.table, item->rowId, info.run}, item->ts, item->end, track});
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
              "M\tmark the time under the pointer (Shift+M clears the marks; the Marks tab lists them)\n"
              "right-click\tthe menu of that place: marks, focus, collapse, copy the time\n"
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
    const TrackInfo& info = m_source->tracks()[static_cast<std::size_t>(track)];
    return TimelineSelection{{info.query.table, best->rowId, info.run}, best->ts, best->end, track};
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
        if (shift)
            clearMarks();
        else
            addMark(m_pointer && m_pointer->x() >= kLabelWidth ? timeForX(m_pointer->x())
                    : m_selection                              ? static_cast<double>(m_selection->ts)
                                                               : (m_range.start + m_range.end) / 2);
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
            setVisibleRange(zoomed(m_range, std::pow(kZoomStepFactor, notches), pointerFraction(), axisBounds()));
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

} // namespace vcm::gui

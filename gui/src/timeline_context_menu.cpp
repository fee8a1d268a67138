// The timeline's marks and its context menu: what a right-click offers at that place (Perfetto's and Trace Compass's
// timelines both have one; issue 19 found none).
#include "vcm/gui/timeline_widget.h"

#include "timeline_pixels.h"

#include "vcm/gui/time_format.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QMenu>

namespace vcm::gui {

namespace {
constexpr int kMarkGrabPixels = 4; // how near a mark's line a click must be to mean that mark
} // namespace

void TimelineWidget::addMark(double time)
{
    addMarkAt(time);
}

std::size_t TimelineWidget::addMarkAt(double time)
{
    const std::size_t index = m_marks.add(time);
    emit marksChanged();
    update();
    return index;
}

void TimelineWidget::renameMark(std::size_t index, const QString& name)
{
    m_marks.rename(index, name);
    emit marksChanged();
    update();
}

void TimelineWidget::removeMark(std::size_t index)
{
    m_marks.remove(index);
    emit marksChanged();
    update();
}

void TimelineWidget::clearMarks()
{
    m_marks.clear();
    emit marksChanged();
    update();
}

std::unique_ptr<QMenu> TimelineWidget::createContextMenu(const QPoint& position)
{
    auto menu = std::make_unique<QMenu>(this);
    menu->setObjectName(QStringLiteral("timelineContextMenu"));
    if (!m_source)
        return menu;
    const bool overPlot = position.x() >= kLabelWidth;
    const double time = overPlot ? timeForX(position.x()) : (m_range.start + m_range.end) / 2;
    const QString at = formatTime(time);

    if (overPlot) {
        menu->addAction(tr("Add mark at %1").arg(at), this, [this, time] { addMark(time); });
        const double grab = kMarkGrabPixels * m_range.width() / std::max(plotWidth(), 1);
        if (const std::optional<std::size_t> mark = m_marks.near(time, grab))
            menu->addAction(tr("Remove mark %1").arg(m_marks.all()[*mark].name), this,
                            [this, mark] { removeMark(*mark); });
    }
    if (!m_marks.empty())
        menu->addAction(tr("Clear all marks"), this, [this] { clearMarks(); });
    menu->addSeparator();
    if (m_area)
        menu->addAction(tr("Zoom to the area (F)"), this, [this] { focusSelection(); });
    else if (m_selection)
        menu->addAction(tr("Focus the selection (F)"), this, [this] { focusSelection(); });
    menu->addAction(tr("Show the whole run (Home)"), this, [this] { showWholeRun(); });

    const int track = trackAt(position);
    for (const TimelineRow& row : m_rows) {
        if (track < 0 || row.track != track)
            continue;
        const QString group = m_source->groups()[static_cast<std::size_t>(row.group)].name;
        menu->addAction(tr("Collapse %1").arg(group), this, [this, g = row.group] { setGroupCollapsed(g, true); });
        break;
    }
    if (overPlot) {
        menu->addSeparator();
        menu->addAction(tr("Copy the time (%1)").arg(at), this, [time] {
            QApplication::clipboard()->setText(QString::number(static_cast<std::int64_t>(time)) + QStringLiteral(" ns"));
        });
    }
    return menu;
}

void TimelineWidget::contextMenuEvent(QContextMenuEvent* event)
{
    const std::unique_ptr<QMenu> menu = createContextMenu(event->pos());
    if (!menu->isEmpty())
        menu->exec(event->globalPos());
}

} // namespace vcm::gui

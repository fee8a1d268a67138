// The timeline's painting: the ruler, group and track rows with their items, the data-loss hatching, the overlays.
#include "vcm/gui/timeline_widget.h"

#include "timeline_pixels.h"

#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_palette.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace vcm::gui {

void TimelineWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette::chrome().background);
    if (!m_source) {
        painter.setPen(palette::chrome().text);
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
    painter.fillRect(ruler, palette::chrome().labelBackground);
    painter.setPen(palette::chrome().text);
    painter.drawText(QRect(6, 0, kLabelWidth - 12, kRulerHeight), Qt::AlignVCenter | Qt::AlignLeft,
                     tr("width %1").arg(formatDuration(m_range.width())));
    const double nsPerPixel = m_range.width() / plotWidth();
    const double step = rulerStep(nsPerPixel, 90);
    const std::optional<double> origin = rulerOrigin(m_range.start, step);
    const QFontMetrics metrics = painter.fontMetrics();
    const int plotRight = kLabelWidth + plotWidth();
    painter.save();
    painter.setClipRect(QRect(kLabelWidth, 0, plotWidth(), height()));
    for (double t = std::ceil(m_range.start / step) * step; t < m_range.end; t += step) {
        const int x = toInt(xForTime(t));
        painter.setPen(palette::chrome().text);
        painter.drawLine(x, kRulerHeight - 6, x, kRulerHeight);
        // A label that would not fit before the plot's right edge is left out rather than cut.
        const QString label = formatRulerLabel(t, step, origin);
        if (x + 3 + metrics.horizontalAdvance(label) <= plotRight)
            painter.drawText(x + 3, kRulerHeight - 8, label);
    }
    painter.restore();
    painter.setPen(palette::chrome().grid.darker(130));
    painter.drawLine(0, kRulerHeight - 1, width(), kRulerHeight - 1);
}

void TimelineWidget::paintRows(QPainter& painter)
{
    // Run B's tinted rows first (comparing), then grid lines (the ruler's ticks), then rows on top with transparent
    // backgrounds for tracks.
    const auto& groups = m_source->groups();
    const auto& tracks = m_source->tracks();
    for (const TimelineRow& row : m_rows) {
        if (row.track >= 0 && tracks[static_cast<std::size_t>(row.track)].run != 0)
            painter.fillRect(QRect(kLabelWidth, kRulerHeight + row.y - scrollOffset(), plotWidth(), row.height),
                             palette::chrome().comparedBackground);
    }
    const double step = rulerStep(m_range.width() / plotWidth(), 90);
    painter.setPen(palette::chrome().grid);
    for (double t = std::ceil(m_range.start / step) * step; t < m_range.end; t += step) {
        const int x = toInt(xForTime(t));
        painter.drawLine(x, kRulerHeight, x, height());
    }
    for (const TimelineRow& row : m_rows) {
        const int top = kRulerHeight + row.y - scrollOffset();
        if (top + row.height <= kRulerHeight || top >= height())
            continue;
        if (row.track < 0) {
            const QRect header(0, top, width() - kScrollBarWidth, row.height);
            painter.fillRect(header, palette::chrome().groupBackground);
            painter.setPen(palette::chrome().text);
            QFont bold = font();
            bold.setBold(true);
            painter.setFont(bold);
            const QString arrow = isGroupCollapsed(row.group) ? QStringLiteral("\u25B8 ") : QStringLiteral("\u25BE ");
            painter.drawText(header.adjusted(6, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft,
                             arrow + groups[static_cast<std::size_t>(row.group)].name);
            painter.setFont(font());
            continue;
        }
        const TrackInfo& info = tracks[static_cast<std::size_t>(row.track)];
        const QRect label(0, top, kLabelWidth, row.height);
        const QRect plot(kLabelWidth, top, plotWidth(), row.height);
        const bool compared = info.run != 0;
        painter.fillRect(label, compared ? palette::chrome().comparedLabelBackground : palette::chrome().labelBackground);
        painter.setPen(palette::chrome().text);
        if (m_source->comparing()) {
            // Whose track: A or B, in the indent, bold.
            QFont bold = font();
            bold.setBold(true);
            painter.setFont(bold);
            painter.drawText(label.adjusted(5, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, runLetter(info.run));
            painter.setFont(font());
        }
        painter.drawText(label.adjusted(18, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft, info.name);
        painter.save();
        painter.setClipRect(plot.intersected(QRect(kLabelWidth, kRulerHeight, plotWidth(), height())));
        paintTrack(painter, row.track, plot);
        painter.restore();
        painter.setPen(palette::chrome().grid);
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
    // Links back to the write an item missed or destroyed, under the items: a 2 px line from the write (an
    // open circle) to an arrowhead at the item, dark enough to be seen beside the items it joins.
    for (const TrackItem& item : items) {
        if (!item.origin || *item.origin > item.ts)
            continue;
        const int y = top + itemHeight * 3 / 4;
        const int from = toInt(std::max(xForTime(static_cast<double>(*item.origin)), rect.left() - 8.0));
        const int to = toInt(xForTime(static_cast<double>(item.ts)));
        painter.setPen(QPen(palette::chrome().writeLink, 2));
        painter.drawLine(from, y, to, y);
        if (to - from > 8) {
            const QPoint head[] = {QPoint(to, y), QPoint(to - 6, y - 3), QPoint(to - 6, y + 3)};
            painter.setBrush(palette::chrome().writeLink);
            painter.drawPolygon(head, 3);
        }
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
            painter.setPen(QPen(palette::chrome().segmentLink, 1, Qt::DotLine));
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
                    painter.setPen(palette::chrome().text);
                    painter.drawText(QRect(x + 3, top, toInt(room) - 4, itemHeight), Qt::AlignVCenter | Qt::AlignLeft,
                                     metrics.elidedText(item.label, Qt::ElideRight, toInt(room) - 4));
                }
            }
            continue;
        }
        const QRect box(toInt(x0), top, std::max(toInt(x1) - toInt(x0), 1), itemHeight);
        if (info.kind == TrackKind::DataLoss) {
            painter.fillRect(box, palette::chrome().lossBackground);
            painter.fillRect(box, QBrush(palette::chrome().lossHatch, Qt::BDiagPattern));
        } else {
            painter.fillRect(box, colour);
        }
        if (box.width() > 24) {
            QString text = item.label;
            if (info.kind == TrackKind::CoreVcpu) {
                const auto& names = m_source->facts(info.run).vcpuNames;
                const auto name = names.find(item.style);
                text = name != names.end() ? name->second : QString::number(item.style);
            }
            if (!text.isEmpty() && item.rows == 1) {
                painter.setPen(info.kind == TrackKind::DataLoss || info.kind == TrackKind::VcpuSctlr ? palette::chrome().text
                                                                                                      : Qt::white);
                const QRect visible = box.intersected(rect);
                painter.drawText(visible.adjusted(3, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft,
                                 metrics.elidedText(text, Qt::ElideRight, visible.width() - 5));
            }
        }
    }
    // Selection and evidence outlines.
    for (const TrackItem& item : items) {
        const RowRef row{info.query.table, item.rowId, info.run};
        const bool selected = m_selection && m_selection->row == row;
        const bool evidence = std::find(m_highlighted.begin(), m_highlighted.end(), row) != m_highlighted.end();
        if (!selected && !evidence)
            continue;
        const int x0 = toInt(xForTime(static_cast<double>(item.ts)));
        const int x1 = std::max(toInt(xForTime(static_cast<double>(item.end))), x0 + 1);
        painter.setPen(QPen(selected ? palette::chrome().selection : palette::kEvidence, 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(QRect(x0 - 1, rect.top() + 1, x1 - x0 + 2, rect.height() - 3));
    }
}

void TimelineWidget::paintLossOverlay(QPainter& painter)
{
    // Lost data is "unknown", never "nothing happened": every track of the run is hatched over the lost stretch
    // (comparing two runs, only the rows of the run that lost it).
    painter.save();
    painter.setClipRect(QRect(kLabelWidth, kRulerHeight, plotWidth(), height() - kRulerHeight));
    QColor hatch = palette::chrome().lossHatch;
    hatch.setAlpha(110);
    const auto& tracks = m_source->tracks();
    for (std::size_t lossTrack = 0; lossTrack < tracks.size(); ++lossTrack) {
        if (tracks[lossTrack].kind != TrackKind::DataLoss)
            continue;
        const int run = tracks[lossTrack].run;
        std::vector<std::pair<int, int>> bands; // top and height of the rows hatched
        if (!m_source->comparing()) {
            bands.emplace_back(kRulerHeight, height() - kRulerHeight);
        } else {
            for (const TimelineRow& row : m_rows)
                if (row.track >= 0 && tracks[static_cast<std::size_t>(row.track)].run == run)
                    bands.emplace_back(kRulerHeight + row.y - scrollOffset(), row.height);
        }
        for (const TrackItem& item : itemsToDraw(static_cast<int>(lossTrack))) {
            const int x0 = toInt(xForTime(static_cast<double>(item.ts)));
            const int x1 = std::max(toInt(xForTime(static_cast<double>(item.end))), x0 + 3);
            for (const auto& [top, bandHeight] : bands)
                painter.fillRect(QRect(x0, top, x1 - x0, bandHeight), QBrush(hatch, Qt::BDiagPattern));
        }
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
    // Marks: a line with the name and time; between two neighbours, the distance where it fits.
    painter.setPen(QPen(palette::kMark, 1));
    const QFontMetrics metrics = painter.fontMetrics();
    const auto& marks = m_marks.all();
    for (std::size_t i = 0; i < marks.size(); ++i) {
        const int x = toInt(xForTime(marks[i].time));
        painter.drawLine(x, 0, x, height());
        painter.drawText(x + 3, kRulerHeight + 12, marks[i].name + QStringLiteral("  ") + formatTime(marks[i].time));
        if (const std::optional<double> distance = m_marks.distanceFromPrevious(i)) {
            const int from = toInt(xForTime(marks[i - 1].time));
            const QString text = QStringLiteral("\u0394 ") + formatDuration(*distance);
            const int y = kRulerHeight + 26;
            if (metrics.horizontalAdvance(text) + 8 < x - from) {
                painter.drawLine(from, y, x, y);
                painter.drawText(QRect(from, y - metrics.height() - 1, x - from, metrics.height()), Qt::AlignCenter, text);
            }
        }
    }
    painter.restore();
}

} // namespace vcm::gui

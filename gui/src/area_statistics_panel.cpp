#include "vcm/gui/area_statistics_panel.h"

#include "vcm/gui/time_format.h"

#include <QTextBrowser>
#include <QVBoxLayout>

#include <bit>
#include <map>

namespace vcm::gui {

AreaStatistics computeAreaStatistics(TraceSource& source, const AreaSelection& area)
{
    AreaStatistics statistics;
    std::map<std::int64_t, std::int64_t> buckets;
    // Tracks are named within their group ("vCPU" of each core): a row names the group too, "core 1: vCPU".
    std::map<int, QString> groupOf;
    for (const TrackGroup& group : source.groups())
        for (const int track : group.tracks)
            groupOf.emplace(track, group.name);
    for (const int track : area.tracks) {
        const TrackInfo& info = source.tracks().at(static_cast<std::size_t>(track));
        const auto group = groupOf.find(track);
        // Comparing two runs, "A core 1: vCPU" and "B core 1: vCPU".
        const QString run = source.comparing() ? runLetter(info.run) + QLatin1Char(' ') : QString();
        const QString name =
            run + (group == groupOf.end() ? QString() : group->second + QStringLiteral(": ")) + info.name;
        statistics.rowsPerTrack.emplace_back(name + QStringLiteral(" (") + QString::fromStdString(info.query.table) +
                                                 QStringLiteral(")"),
                                             source.countRows(track, area.range));
        if (info.kind != TrackKind::CoreHypervisor && info.kind != TrackKind::VmSegments)
            continue;
        for (const std::int64_t dur : source.durations(track, area.range, kHistogramSampleLimit)) {
            const auto width = std::bit_width(static_cast<std::uint64_t>(std::max<std::int64_t>(dur, 0)));
            ++buckets[std::int64_t{1} << width];
            ++statistics.segments;
        }
    }
    statistics.segmentHistogram.assign(buckets.begin(), buckets.end());
    return statistics;
}

AreaStatisticsPanel::AreaStatisticsPanel(QWidget* parent) : QWidget(parent)
{
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("areaStatistics"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_browser);
    showArea(nullptr, std::nullopt);
}

QString AreaStatisticsPanel::text() const
{
    return m_browser->toPlainText();
}

void AreaStatisticsPanel::showArea(TraceSource* source, const std::optional<AreaSelection>& area)
{
    if (!source || !area || area->tracks.empty()) {
        m_browser->setHtml(tr("<i>No area selected.</i> Shift+drag over the timeline selects a time range and tracks."));
        return;
    }
    const AreaStatistics statistics = computeAreaStatistics(*source, *area);
    QString html = tr("<b>Area</b> %1 to %2 (%3), %4 tracks<table>")
                       .arg(formatTime(area->range.start), formatTime(area->range.end), formatDuration(area->range.width()))
                       .arg(area->tracks.size());
    for (const auto& [name, count] : statistics.rowsPerTrack)
        html += QStringLiteral("<tr><td>%1</td><td align=right>%2</td></tr>").arg(name.toHtmlEscaped()).arg(count);
    html += QStringLiteral("</table>");
    if (statistics.segments > 0) {
        std::int64_t most = 1;
        for (const auto& bucket : statistics.segmentHistogram)
            most = std::max(most, bucket.second);
        html += tr("<p><b>Flush segment durations</b> (%1 segments)</p><pre>").arg(statistics.segments);
        for (const auto& [upper, count] : statistics.segmentHistogram) {
            const auto bar = static_cast<int>(40 * count / most);
            html += QStringLiteral("&lt; %1 %2 %3\n")
                        .arg(formatDuration(static_cast<double>(upper)), 12)
                        .arg(QString(std::max(bar, 1), QChar(0x2588)))
                        .arg(count);
        }
        html += QStringLiteral("</pre>");
    }
    m_browser->setHtml(html);
}

} // namespace vcm::gui

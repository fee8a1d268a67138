#include "vcm/gui/details_panel.h"

#include "vcm/gui/time_format.h"

#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace vcm::gui {

namespace {

QString linkTo(const RowRef& row, const QString& text)
{
    return QStringLiteral("<a href=\"row:%1/%2/%3\">%4</a>")
        .arg(row.run)
        .arg(QString::fromStdString(row.table))
        .arg(row.id)
        .arg(text.toHtmlEscaped());
}

} // namespace

DetailsPanel::DetailsPanel(QWidget* parent) : QWidget(parent)
{
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("details"));
    m_browser->setOpenLinks(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_browser);
    connect(m_browser, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        const QStringList parts = url.path().split(QLatin1Char('/'));
        if (url.scheme() == QLatin1String("row") && parts.size() == 3)
            emit rowLinkActivated(RowRef{parts[1].toStdString(), parts[2].toLongLong(), parts[0].toInt()});
        if (url.scheme() == QLatin1String("time") && parts.size() == 2)
            emit timeLinkActivated(parts[0].toLongLong(), parts[1].toLongLong());
    });
    showRow(std::nullopt);
}

void DetailsPanel::setSource(TraceSource* source)
{
    m_source = source;
    showRow(std::nullopt);
}

QString DetailsPanel::text() const
{
    return m_browser->toPlainText();
}

void DetailsPanel::showRow(const std::optional<RowRef>& row)
{
    if (!m_source || !row) {
        m_browser->setHtml(tr("<i>Nothing selected.</i> Click an event on the timeline or a finding."));
        return;
    }
    QString html = QStringLiteral("<b>%1 %2</b>").arg(QString::fromStdString(row->table)).arg(row->id);
    if (m_source->comparing())
        html += tr(" of run %1 (%2)")
                    .arg(runLetter(row->run), m_source->facts(row->run).policy.toHtmlEscaped());
    if (const auto time = m_source->rowTime(*row)) {
        html += QStringLiteral(" &mdash; %1").arg(formatTime(static_cast<double>(time->first)));
        if (time->second > time->first)
            html += QStringLiteral(" for %1").arg(formatDuration(static_cast<double>(time->second - time->first)));
    }
    html += QStringLiteral("<table>");
    for (const auto& [name, value] : m_source->rowFields(*row))
        html += QStringLiteral("<tr><td><i>%1</i></td><td>%2</td></tr>").arg(name.toHtmlEscaped(), value.toHtmlEscaped());
    html += QStringLiteral("</table>");
    if (const auto write = m_source->writeBehind(*row)) {
        const auto time = m_source->rowTime(*row);
        const std::int64_t at = time ? time->first : write->ts;
        html += tr("<p><b>Write</b></p><p>It %1 the write by %2 at %3, %4 before it: <a href=\"time:%5/%6\">show both</a></p>")
                    .arg(write->relation, write->writer.toHtmlEscaped(), formatTime(static_cast<double>(write->ts)),
                         formatDuration(static_cast<double>(at - write->ts)))
                    .arg(write->ts)
                    .arg(at);
    }
    if (row->table == "finding") {
        html += tr("<p><b>Evidence</b></p><ul>");
        for (const EvidenceRow& evidence : m_source->evidence(row->id, row->run)) {
            QString when = evidence.time ? QStringLiteral(" at %1").arg(formatTime(static_cast<double>(evidence.time->first)))
                                         : QString();
            html += QStringLiteral("<li>%1: %2%3</li>")
                        .arg(evidence.role.toHtmlEscaped(),
                             linkTo(evidence.row, QStringLiteral("%1 %2").arg(QString::fromStdString(evidence.row.table)).arg(evidence.row.id)),
                             when);
        }
        html += QStringLiteral("</ul>");
    } else {
        const std::vector<std::int64_t> findings = m_source->findingsAbout(*row);
        if (!findings.empty()) {
            html += tr("<p><b>Findings citing it</b></p><ul>");
            for (const std::int64_t finding : findings)
                html += QStringLiteral("<li>%1</li>").arg(linkTo({"finding", finding, row->run}, QStringLiteral("finding %1").arg(finding)));
            html += QStringLiteral("</ul>");
        }
    }
    m_browser->setHtml(html);
}

} // namespace vcm::gui

#include "vcm/analyzer/report.h"

#include "report_document.h"
#include "run_summary.h"

namespace vcm::analyzer {

std::string report::render(const Document& document, ReportFormat format)
{
    switch (format) {
    case ReportFormat::Markdown:
        return renderMarkdown(document);
    case ReportFormat::Html:
        return renderHtml(document);
    case ReportFormat::Text:
        break;
    }
    return renderText(document);
}

std::string renderReport(db::Database& db, ReportFormat format)
{
    return report::render(report::buildReportDocument(loadRunSummary(db)), format);
}

} // namespace vcm::analyzer

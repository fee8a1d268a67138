#include "vcm/analyzer/report.h"

#include "report_document.h"
#include "run_summary.h"

namespace vcm::analyzer {

std::string renderReport(db::Database& db, ReportFormat format)
{
    const report::Document document = report::buildReportDocument(loadRunSummary(db));
    switch (format) {
    case ReportFormat::Markdown:
        return report::renderMarkdown(document);
    case ReportFormat::Html:
        return report::renderHtml(document);
    case ReportFormat::Text:
        break;
    }
    return report::renderText(document);
}

} // namespace vcm::analyzer

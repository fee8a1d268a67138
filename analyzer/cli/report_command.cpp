// vcm report run.db [--format text|markdown|html] [-o FILE]
#include "analyzer_commands.h"
#include "atomic_output.h"
#include "vcm/analyzer/report.h"
#include "vcm/db/schema.h"

#include <iostream>
#include <memory>

namespace vcm::analyzer::cli {

Command addReportCommand(CLI::App& parent)
{
    struct Options {
        std::string database;
        std::string format = "text";
        std::string output;
    };
    auto options = std::make_shared<Options>();
    CLI::App* app = parent.add_subcommand("report", "Summarise a run from its trace database: traps, flushes, "
                                                    "per-vCPU and per-core time, findings");
    app->add_option("database", options->database, "Trace database (from vcm ingest)")->required();
    app->add_option("--format", options->format, "text (default), markdown or html (one self-contained file)")
        ->check(CLI::IsMember({"text", "markdown", "html"}));
    app->add_option("-o,--output", options->output,
                    "Write the report to FILE (replaced atomically) instead of "
                    "standard output");
    return {app, [options] {
                db::Database database = db::openTraceDatabase(options->database);
                const ReportFormat format = options->format == "html"       ? ReportFormat::Html
                                            : options->format == "markdown" ? ReportFormat::Markdown
                                                                            : ReportFormat::Text;
                const std::string report = renderReport(database, format);
                if (options->output.empty()) {
                    std::cout << report << std::flush;
                } else {
                    AtomicOutputFile file(options->output);
                    file.stream() << report;
                    file.commit();
                }
                return 0;
            }};
}

} // namespace vcm::analyzer::cli

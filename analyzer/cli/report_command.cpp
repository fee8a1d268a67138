// vcm report RUN [--format text|markdown|html] [-o FILE]   (RUN: database, trace directory or live URL)
#include "analyzer_commands.h"
#include "atomic_output.h"
#include "vcm/analyzer/report.h"
#include "run_input.h"

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
    app->add_option("run", options->database, "Trace database (vcm ingest), trace directory or net:// live URL")
        ->required();
    app->add_option("--format", options->format, "text (default), markdown or html (one self-contained file)")
        ->check(CLI::IsMember({"text", "markdown", "html"}));
    app->add_option("-o,--output", options->output,
                    "Write the report to FILE (replaced atomically) instead of "
                    "standard output");
    return {app, [options] {
                RunInput input(options->database);
                db::Database& database = input.database();
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

// vcm report RUN [--compare RUN_B] [--format text|markdown|html] [-o FILE]   (RUN: database, trace directory or
// live URL)
#include "analyzer_commands.h"
#include "atomic_output.h"
#include "vcm/analyzer/report.h"
#include "vcm/analyzer/run_comparison.h"
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
        std::string compare;
    };
    auto options = std::make_shared<Options>();
    CLI::App* app = parent.add_subcommand("report", "Summarise a run from its trace database: traps, flushes, "
                                                    "per-vCPU and per-core time, findings");
    app->add_option("run", options->database, "Trace database (vcm ingest), trace directory or net:// live URL")
        ->required();
    app->add_option("--compare", options->compare,
                    "Compare with this second run (B): figures, findings only in one run, flushes that differ, the "
                    "first divergence (database, trace directory or live URL)");
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
                std::string report;
                if (options->compare.empty()) {
                    report = renderReport(database, format);
                } else {
                    RunInput other(options->compare);
                    report = renderComparison(
                        compareRuns(database, other.database(), options->database, options->compare), format);
                }
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

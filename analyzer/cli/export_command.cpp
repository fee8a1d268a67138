// vcm export RUN -o out.json [--format perfetto]   (RUN: database, trace directory or live URL; --perfetto FILE is
// the older spelling of -o FILE --format perfetto)
#include "analyzer_commands.h"
#include "atomic_output.h"
#include "run_input.h"
#include "vcm/analyzer/perfetto_export.h"

#include <memory>

namespace vcm::analyzer::cli {

Command addExportCommand(CLI::App& parent)
{
    struct Options {
        std::string database;
        std::string output;
        std::string format = "perfetto";
    };
    auto options = std::make_shared<Options>();
    CLI::App* app = parent.add_subcommand("export", "Convert a run for other tools (Perfetto, chrome://tracing)");
    app->add_option("run", options->database, "Trace database (vcm ingest), trace directory or net:// live URL")
        ->required();
    app->add_option("--format", options->format,
                    "perfetto (default): Chrome trace-event JSON for ui.perfetto.dev and chrome://tracing")
        ->check(CLI::IsMember({"perfetto"}));
    CLI::Option_group* destination = app->add_option_group("output", "Where to write (one of)");
    destination->add_option("-o,--output", options->output, "File to write (replaced atomically)");
    destination->add_option("--perfetto", options->output, "The same as -o FILE --format perfetto");
    destination->require_option(1);
    return {app, [options] {
                RunInput input(options->database);
                AtomicOutputFile file(options->output);
                exportPerfetto(input.database(), file.stream());
                file.commit();
                return 0;
            }};
}

} // namespace vcm::analyzer::cli

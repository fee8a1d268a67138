// vcm export run.db --perfetto out.json
#include "analyzer_commands.h"
#include "atomic_output.h"
#include "vcm/analyzer/perfetto_export.h"
#include "vcm/db/schema.h"

#include <memory>

namespace vcm::analyzer::cli {

Command addExportCommand(CLI::App& parent)
{
    struct Options {
        std::string database;
        std::string perfetto;
    };
    auto options = std::make_shared<Options>();
    CLI::App* app = parent.add_subcommand("export", "Convert a trace database for other tools");
    app->add_option("database", options->database, "Trace database (from vcm ingest)")->required();
    app->add_option("--perfetto", options->perfetto,
                    "Write Chrome trace-event JSON for ui.perfetto.dev to FILE (replaced atomically)")
        ->required();
    return {app, [options] {
                db::Database database = db::openTraceDatabase(options->database);
                AtomicOutputFile file(options->perfetto);
                exportPerfetto(database, file.stream());
                file.commit();
                return 0;
            }};
}

} // namespace vcm::analyzer::cli

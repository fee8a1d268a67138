// vcm query run.db "SQL" [--format csv|table|json]
#include "analyzer_commands.h"
#include "vcm/analyzer/query_output.h"
#include "vcm/db/hunt_schema.h"
#include "vcm/db/schema.h"

#include <iostream>
#include <memory>

namespace vcm::analyzer::cli {

Command addQueryCommand(CLI::App& parent)
{
    struct Options {
        std::string database;
        std::string sql;
        std::string format = "csv";
    };
    auto options = std::make_shared<Options>();
    CLI::App* app = parent.add_subcommand("query", "Run SQL over a trace or hunt database and print the rows");
    app->add_option("database", options->database, "Trace database (from vcm ingest) or hunt database (from vcm hunt)")->required();
    app->add_option("sql", options->sql, "The query (docs/schema.md lists the tables)")->required();
    app->add_option("--format", options->format, "csv (default), table or json")
        ->check(CLI::IsMember({"csv", "table", "json"}));
    return {app, [options] {
                // A hunt's database (vcm hunt) is queried like a trace's; every other reader takes traces only.
                db::Database database = db::isHuntDatabase(options->database)
                                            ? db::openHuntDatabase(options->database)
                                            : db::openTraceDatabase(options->database);
                const QueryFormat format = options->format == "json"    ? QueryFormat::Json
                                           : options->format == "table" ? QueryFormat::Table
                                                                        : QueryFormat::Csv;
                printQuery(database, options->sql, format, std::cout);
                return 0;
            }};
}

} // namespace vcm::analyzer::cli

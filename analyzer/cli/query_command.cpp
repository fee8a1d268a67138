// vcm query RUN "SQL" [--format csv|table|json] [-o FILE]   (RUN: trace or hunt database, trace directory, live URL)
#include "analyzer_commands.h"
#include "atomic_output.h"
#include "run_input.h"
#include "vcm/analyzer/query_output.h"

#include <iostream>
#include <memory>

namespace vcm::analyzer::cli {

Command addQueryCommand(CLI::App& parent)
{
    struct Options {
        std::string database;
        std::string sql;
        std::string format = "csv";
        std::string output;
    };
    auto options = std::make_shared<Options>();
    CLI::App* app = parent.add_subcommand("query", "Run SQL over a trace or hunt database and print the rows");
    app->add_option("run", options->database,
                    "Trace database (vcm ingest), hunt database (vcm hunt), trace directory or net:// live URL")
        ->required();
    app->add_option("sql", options->sql, "The query (docs/schema.md lists the tables)")->required();
    app->add_option("--format", options->format, "csv (default), table or json")
        ->check(CLI::IsMember({"csv", "table", "json"}));
    app->add_option("-o,--output", options->output,
                    "Write the rows to FILE (replaced atomically) instead of "
                    "standard output");
    return {app, [options] {
                // A hunt's database (vcm hunt) is queried like a trace's; every other reader takes traces only.
                RunInput input(options->database, {}, /*acceptHunt*/ true);
                const QueryFormat format = options->format == "json"    ? QueryFormat::Json
                                           : options->format == "table" ? QueryFormat::Table
                                                                        : QueryFormat::Csv;
                if (options->output.empty()) {
                    printQuery(input.database(), options->sql, format, std::cout);
                } else {
                    AtomicOutputFile file(options->output);
                    printQuery(input.database(), options->sql, format, file.stream());
                    file.commit();
                }
                return 0;
            }};
}

} // namespace vcm::analyzer::cli

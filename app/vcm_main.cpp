// vcm: the command-line front end. It owns no behaviour of its own beyond `vcm version`: each component
// registers its subcommands (hyp: run, matrix, boot; analyzer: ingest, check, query, report, export; replay;
// hunt) and the one the user chose runs.
//
// Exit status, for every subcommand: 0 success, 2 unusable input (a usage error, a missing or damaged file, a
// bad value), and each command's own statuses besides (check 1 = a rule failed, run 3 = a guest faulted, ...).
#include "analyzer_commands.h"
#include "compare_reference_command.h"
#include "hunt_command.h"
#include "hyp_commands.h"
#include "replay_command.h"

#include "vcm/analyzer/analyzer_version.h"
#include "vcm/db/db_version.h"
#include "vcm/hyp/hyp_version.h"
#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/tracer/tracer_version.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>

namespace {

void printVersions()
{
    fmt::print("vcm {}\n  unicorn {}\n  lttng-ust {}\n  babeltrace2 {}\n  sqlite {}\n", vcm::hyp::scenario::vcmVersion(),
               vcm::hyp::unicornVersion(), vcm::tracer::lttngUstVersion(), vcm::analyzer::babeltraceVersion(),
               vcm::db::sqliteVersion());
    // Where an installed vcm (or this build) finds what scenarios name.
    fmt::print("  scenarios: {}\n  guests: {}\n", vcm::hyp::scenario::defaultScenarioDirectory().string(),
               vcm::hyp::scenario::defaultGuestDirectory().string());
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"vcm: a laboratory for virtualized cache maintenance on Arm"};
    app.require_subcommand(1);
    CLI::App* version = app.add_subcommand("version", "Print the versions of vcm and the libraries it runs on");
    const vcm::hyp::cli::HypCommands hypCommands(app);
    const vcm::analyzer::cli::AnalyzerCommands analyzerCommands(app);
    const vcm::replay::cli::ReplayCommand replayCommand = vcm::replay::cli::addReplayCommand(app);
    const vcm::replay::cli::ReplayCommand compareReference = vcm::replay::cli::addCompareReferenceCommand(app);
    const vcm::hunt::cli::HuntCommand huntCommand = vcm::hunt::cli::addHuntCommand(app);

    // CLI11 would say only "A subcommand is required" about a misspelt one.
    if (argc > 1 && argv[1][0] != '-' &&
        app.get_subcommands([&](CLI::App* s) { return s->check_name(argv[1]); }).empty()) {
        std::string known;
        for (const CLI::App* s : app.get_subcommands({}))
            known += (known.empty() ? "" : ", ") + s->get_name();
        fmt::print(stderr, "vcm: unknown subcommand '{}' (known: {}; vcm --help)\n", argv[1], known);
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 prints the message (or the help) and has its own codes (105, 106, ...); a usage error is an
        // unusable input like any other.
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        if (const std::optional<int> status = hypCommands.runParsed())
            return *status;
        if (const std::optional<int> status = analyzerCommands.runParsed())
            return *status;
        if (replayCommand.app->parsed())
            return replayCommand.run();
        if (compareReference.app->parsed())
            return compareReference.run();
        if (huntCommand.app->parsed())
            return huntCommand.run();
        if (version->parsed())
            printVersions();
    } catch (const std::exception& e) {
        fmt::print(stderr, "vcm: {}\n", e.what());
        return 2;
    }
    return 0;
}

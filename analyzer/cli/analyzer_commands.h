// The analyzer's subcommands of `vcm` (ingest, check, query, report, export). Each lives in its own
// *_command.cpp: it declares its options on the CLI11 app and, when parsed, calls the analyzer library.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace vcm::analyzer::cli {

// A registered subcommand: its CLI11 node and what running it returns (the process exit status).
struct Command {
    CLI::App* app;
    std::function<int()> run;
};

Command addIngestCommand(CLI::App& parent);
Command addCheckCommand(CLI::App& parent);
Command addQueryCommand(CLI::App& parent);
Command addReportCommand(CLI::App& parent);
Command addExportCommand(CLI::App& parent);

// Registers all of them; after parsing, runParsed() runs the one the user chose (nothing if none).
class AnalyzerCommands {
public:
    explicit AnalyzerCommands(CLI::App& app);
    std::optional<int> runParsed() const;

private:
    std::vector<Command> m_commands;
};

} // namespace vcm::analyzer::cli

// The hypervisor's subcommands of `vcm` (run, matrix, boot). Each lives in its own *_command.cpp: it declares
// its options on the CLI11 app and, when parsed, runs the machine.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace vcm::hyp::cli {

// A registered subcommand: its CLI11 node and what running it returns (the process exit status).
struct Command {
    CLI::App* app;
    std::function<int()> run;
};

Command addRunCommand(CLI::App& parent);
Command addMatrixCommand(CLI::App& parent);
Command addBootCommand(CLI::App& parent);

// Registers all of them; after parsing, runParsed() runs the one the user chose (nothing if none).
class HypCommands {
public:
    explicit HypCommands(CLI::App& app);
    std::optional<int> runParsed() const;

private:
    std::vector<Command> m_commands;
};

} // namespace vcm::hyp::cli

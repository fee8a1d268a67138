// `vcm replay`: the subcommand's options and what running it does (replay/cli/replay_command.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace vcm::replay::cli {

struct ReplayCommand {
    CLI::App* app;
    std::function<int()> run; // the exit status
};

ReplayCommand addReplayCommand(CLI::App& parent);

} // namespace vcm::replay::cli

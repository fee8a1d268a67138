// `vcm hunt`, `vcm hunt report` and `vcm hunt merge`: the subcommands' options and what running them does
// (hunt/cli/hunt_command.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace vcm::hunt::cli {

struct HuntCommand {
    CLI::App* app;
    std::function<int()> run; // the exit status
};

HuntCommand addHuntCommand(CLI::App& parent);

} // namespace vcm::hunt::cli

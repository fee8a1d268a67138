#include "hyp_commands.h"

namespace vcm::hyp::cli {

HypCommands::HypCommands(CLI::App& app) : m_commands{addBootCommand(app), addRunCommand(app), addMatrixCommand(app)}
{}

std::optional<int> HypCommands::runParsed() const
{
    for (const Command& command : m_commands)
        if (command.app->parsed())
            return command.run();
    return std::nullopt;
}

} // namespace vcm::hyp::cli

#include "analyzer_commands.h"

namespace vcm::analyzer::cli {

AnalyzerCommands::AnalyzerCommands(CLI::App& app)
    : m_commands{addIngestCommand(app), addCheckCommand(app), addQueryCommand(app), addReportCommand(app),
                 addExportCommand(app)}
{
}

std::optional<int> AnalyzerCommands::runParsed() const
{
    for (const Command& command : m_commands)
        if (command.app->parsed())
            return command.run();
    return std::nullopt;
}

} // namespace vcm::analyzer::cli

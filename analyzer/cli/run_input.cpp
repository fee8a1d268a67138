#include "run_input.h"

#include "vcm/analyzer/kvm_trace_reader.h"
#include "vcm/db/database_file.h"
#include "vcm/db/hunt_schema.h"
#include "vcm/db/schema.h"

#include <fmt/core.h>
#include <unistd.h>

#include <stdexcept>

namespace vcm::analyzer::cli {

RunInput::RunInput(const std::string& input, const DetectorOptions& detectors, bool acceptHunt)
{
    std::error_code ec;
    if (isLiveUrl(input) || std::filesystem::is_directory(input, ec) || isTraceCmdFile(input)) {
        m_temporary = std::filesystem::temp_directory_path() / fmt::format("vcm-run-{}.db", ::getpid());
        IngestOptions options;
        options.detectors = detectors;
        {
            // Ctrl-C or kill leaves neither the ingest's temporary file nor this database behind (their names
            // hold this process's id, so nothing would ever sweep them).
            const db::RemoveOnTerminationSignal removeIngest(db::DatabaseFile::temporaryFor(*m_temporary));
            ingestTrace(input, *m_temporary, options);
        }
        m_removeTemporary.emplace(*m_temporary);
        m_database.emplace(db::openTraceDatabase(*m_temporary));
        return;
    }
    if (!std::filesystem::exists(input, ec))
        throw std::invalid_argument(fmt::format("{}: no such file or directory (expected a trace database, a trace "
                                                "directory, a trace-cmd file or a net:// live URL)",
                                                input));
    if (acceptHunt && db::isHuntDatabase(input))
        m_database.emplace(db::openHuntDatabase(input));
    else
        m_database.emplace(db::openTraceDatabase(input));
}

RunInput::~RunInput()
{
    m_database.reset();
    if (m_temporary) {
        std::error_code ignored;
        std::filesystem::remove(*m_temporary, ignored);
    }
}

} // namespace vcm::analyzer::cli

// What every analyzer subcommand that reads a run accepts as its input: a trace database (vcm ingest), a trace
// directory (vcm run --trace) or a live session's net:// URL. A trace is ingested into a temporary database,
// removed when the command ends (Ctrl-C and kill included), so `vcm report TRACE_DIR` is `vcm ingest` and
// `vcm report DB` in one step.
#pragma once

#include "vcm/analyzer/ingest.h"
#include "vcm/db/database.h"
#include "vcm/db/remove_on_termination_signal.h"

#include <filesystem>
#include <optional>
#include <string>

namespace vcm::analyzer::cli {

class RunInput {
public:
    // `detectors` are used when the input is a trace. A hunt database is accepted where `acceptHunt` says so
    // (vcm query); every other reader takes trace databases only.
    explicit RunInput(const std::string& input, const DetectorOptions& detectors = {}, bool acceptHunt = false);
    ~RunInput();
    RunInput(const RunInput&) = delete;
    RunInput& operator=(const RunInput&) = delete;

    db::Database& database() { return *m_database; }
    bool wasTrace() const { return m_temporary.has_value(); }

private:
    std::optional<std::filesystem::path> m_temporary;
    std::optional<db::RemoveOnTerminationSignal> m_removeTemporary;
    std::optional<db::Database> m_database;
};

} // namespace vcm::analyzer::cli

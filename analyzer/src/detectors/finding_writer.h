// Writes finding rows and their evidence. Knows whether the trace lost data: then every finding is marked
// uncertain and its explanation says so (a missing event is not evidence of absence).
#pragma once

#include "text_format.h"
#include "vcm/db/database.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vcm::analyzer::detectors {

struct Evidence {
    std::string table;
    std::int64_t row;
    std::string role;
};

struct Finding {
    std::string kind;
    std::string severity; // "error", "warning", "info"
    std::uint64_t ts = 0;
    std::uint64_t dur = 0;
    std::optional<std::int64_t> vm;
    std::optional<std::int64_t> vcpuId;
    std::optional<std::int64_t> core;
    std::optional<std::int64_t> address;
    std::optional<std::int64_t> measure;
    std::string explanation;
    std::vector<Evidence> evidence;
};

class FindingWriter {
public:
    explicit FindingWriter(db::Database& db);
    void write(const Finding& finding);
    std::uint64_t written() const { return m_written; }
    bool traceLostData() const { return m_lossNote.has_value(); }

private:
    db::Database& m_db;
    db::Statement m_insert;
    db::Statement m_evidence;
    std::optional<std::string> m_lossNote;
    std::uint64_t m_written = 0;
};

// Appends the rows `rows` yields (their first column, an id in `table`) as evidence: the first as `subject`, the
// others as `also`; then resets `rows` for its next binding.
void appendEvidence(Finding& finding, db::Statement& rows, const char* table);

// The policy the run was under ("?" when the trace has no run_configuration).
std::string runPolicy(db::Database& db);
// The name of an agent ("d1v0"), or "agent N" when the trace has no agent table.
std::string agentName(db::Database& db, std::int64_t agent);

} // namespace vcm::analyzer::detectors

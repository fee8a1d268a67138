// The open trace database as the timeline and the panels see it: the run's facts, the track catalogue, and
// level-of-detail sampling of any track over any time range. All reads go through vcm::db (one SQLite path);
// nothing is cached beyond the prepared statements, so memory does not grow with the trace.
#pragma once

#include "vcm/db/database.h"
#include "vcm/gui/time_range.h"
#include "vcm/gui/track.h"

#include <QString>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace vcm::gui {

struct RunFacts {
    QString scenario;
    QString policy;
    std::int64_t endTs = 1;
    bool complete = false;
    // False for a hardware trace (meta oracle = 'none', real KVM's trace-cmd file): no stale-read or stale-window
    // rows because nothing could see stale data, which the window says rather than looking clean.
    bool hasOracle = true;
    std::map<std::int64_t, QString> vcpuNames;  // vcpu.id -> "d1v0"
    std::map<std::int64_t, QString> vmNames;    // vm.id -> "d1"
    std::map<std::int64_t, QString> agentNames; // agent.id -> "d1v0", "hyp/core0", ...
    std::map<std::int64_t, QString> flushNames; // flush.id (the row) -> "flush 1 of d1" (its flush_id in its VM)
};

// A row of one of the event tables, named as finding_evidence names it.
struct RowRef {
    std::string table;
    std::int64_t id = 0;
    bool operator==(const RowRef&) const = default;
};

// The write behind a stale read (the one it missed) or a clobber (the one it destroyed).
struct WriteBehind {
    std::int64_t ts = 0;
    QString writer;   // the agent's name
    QString relation; // "missed" or "destroyed"
};

struct EvidenceRow {
    RowRef row;
    QString role;
    std::optional<std::pair<std::int64_t, std::int64_t>> time;  // [ts, end] when the row has a time
};

class TraceSource {
public:
    // Opens (and if needed migrates) a trace database and builds the track catalogue. Throws db::DatabaseError.
    explicit TraceSource(const std::filesystem::path& file);
    ~TraceSource();
    TraceSource(const TraceSource&) = delete;
    TraceSource& operator=(const TraceSource&) = delete;

    const std::filesystem::path& file() const { return m_file; }
    const RunFacts& facts() const { return m_facts; }
    TimeBounds bounds() const { return {0, static_cast<double>(m_facts.endTs)}; }
    const std::vector<TrackInfo>& tracks() const { return m_tracks; }
    const std::vector<TrackGroup>& groups() const { return m_groups; }

    // At most about one summary per pixel column of rows of `track` overlapping `range` (see track_sampler.h).
    std::vector<TrackItem> sample(int track, const TimeRange& range, int pixels);
    // Rows of the track starting in [range.start, range.end) (an index range count: cost grows with the range).
    std::int64_t countRows(int track, const TimeRange& range);
    // Durations of the track's rows starting in the range, at most `limit` of them.
    std::vector<std::int64_t> durations(int track, const TimeRange& range, int limit);
    // The row after (forward) or before the row (ts, rowId) on the track, in (ts, id) order.
    std::optional<TrackItem> neighbour(int track, std::int64_t ts, std::int64_t rowId, bool forward);

    // The row's [ts, end], for the event tables this knows (nullopt for an unknown table or a missing row).
    std::optional<std::pair<std::int64_t, std::int64_t>> rowTime(const RowRef& row);
    // Every column of the row, as (name, text).
    std::vector<std::pair<QString, QString>> rowFields(const RowRef& row);
    std::vector<EvidenceRow> evidence(std::int64_t findingId);
    // Findings whose evidence names this row.
    std::vector<std::int64_t> findingsAbout(const RowRef& row);
    // For a stale_read or clobber row whose trace recorded it; nullopt otherwise.
    std::optional<WriteBehind> writeBehind(const RowRef& row);

    // The event tables a user may browse (finding_evidence names rows of these).
    static const std::vector<std::string>& eventTables();
    static bool isEventTable(const std::string& table);

    db::Database& database() { return m_db; }

private:
    struct TrackStatements;
    TrackStatements& statements(int track);

    std::filesystem::path m_file;
    db::Database m_db;
    RunFacts m_facts;
    std::vector<TrackInfo> m_tracks;
    std::vector<TrackGroup> m_groups;
    std::vector<std::unique_ptr<TrackStatements>> m_statements;
};

} // namespace vcm::gui

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

// A row of one of the event tables, named as finding_evidence names it, in run `run` (0: the run opened, 1: the
// run compared with).
struct RowRef {
    std::string table;
    std::int64_t id = 0;
    int run = 0;
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
    // With `compared` (comparing two runs, issue 19), run B is opened too and the catalogue pairs the runs' tracks
    // by entity: each of A's tracks followed by B's of the same name in the same group (track_pairing.h).
    explicit TraceSource(const std::filesystem::path& file,
                         const std::optional<std::filesystem::path>& compared = std::nullopt);
    ~TraceSource();
    TraceSource(const TraceSource&) = delete;
    TraceSource& operator=(const TraceSource&) = delete;

    // Run 0 is the run opened (A); run 1, when comparing, the run compared with (B).
    bool comparing() const { return m_runs.size() > 1; }
    const std::filesystem::path& file(int run = 0) const { return this->run(run).file; }
    const RunFacts& facts(int run = 0) const { return this->run(run).facts; }
    db::Database& database(int run = 0) { return this->run(run).db; }
    // The time axis: [0, the end of the longer run].
    TimeBounds bounds() const;
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
    // The evidence of run `run`'s finding; its rows are of that run.
    std::vector<EvidenceRow> evidence(std::int64_t findingId, int run = 0);
    // Findings (of the row's run) whose evidence names this row.
    std::vector<std::int64_t> findingsAbout(const RowRef& row);
    // For a stale_read or clobber row whose trace recorded it; nullopt otherwise.
    std::optional<WriteBehind> writeBehind(const RowRef& row);

    // The event tables a user may browse (finding_evidence names rows of these).
    static const std::vector<std::string>& eventTables();
    static bool isEventTable(const std::string& table);

private:
    struct Run {
        std::filesystem::path file;
        db::Database db;
        RunFacts facts;
    };
    struct TrackStatements;
    TrackStatements& statements(int track);
    const Run& run(int index) const { return *m_runs.at(static_cast<std::size_t>(index)); }
    Run& run(int index) { return *m_runs.at(static_cast<std::size_t>(index)); }

    std::vector<std::unique_ptr<Run>> m_runs;
    std::vector<TrackInfo> m_tracks;
    std::vector<TrackGroup> m_groups;
    std::vector<std::unique_ptr<TrackStatements>> m_statements;
};

} // namespace vcm::gui

#include "vcm/gui/trace_source.h"

#include "vcm/gui/column_format.h"

#include "vcm/db/schema.h"
#include "vcm/gui/track_catalog.h"
#include "vcm/gui/track_pairing.h"
#include "vcm/gui/track_query_sql.h"
#include "vcm/gui/track_sampler.h"

#include <algorithm>
#include <cmath>

namespace vcm::gui {

struct TraceSource::TrackStatements {
    TrackSamplerStatements sampler;
    db::Statement next;
    db::Statement previous;
};

namespace {

RunFacts readFacts(db::Database& db)
{
    RunFacts facts;
    db::Statement run = db.prepare("SELECT coalesce(scenario, ''), coalesce(policy, ''), coalesce(end_ts, 0), complete FROM run");
    if (run.step()) {
        facts.scenario = QString::fromStdString(run.columnText(0));
        facts.policy = QString::fromStdString(run.columnText(1));
        facts.endTs = run.columnInt(2);
        facts.complete = run.columnInt(3) != 0;
    }
    db::Statement oracle = db.prepare("SELECT value FROM meta WHERE key = 'oracle'");
    facts.hasOracle = !oracle.step() || oracle.columnText(0) != "none";
    // A trace without run_end: the last time any interval reaches.
    if (facts.endTs <= 0)
        facts.endTs = std::max<std::int64_t>(db.scalar("SELECT max(ts + dur) FROM sched_slice"), 1);
    db::Statement vms = db.prepare("SELECT id, coalesce(name, 'd' || (id + 1)) FROM vm ORDER BY id");
    while (vms.step())
        facts.vmNames[vms.columnInt(0)] = QString::fromStdString(vms.columnText(1));
    db::Statement vcpus = db.prepare("SELECT id, coalesce(name, 'vcpu' || id) FROM vcpu ORDER BY id");
    while (vcpus.step())
        facts.vcpuNames[vcpus.columnInt(0)] = QString::fromStdString(vcpus.columnText(1));
    db::Statement agents = db.prepare("SELECT id, name FROM agent ORDER BY id");
    while (agents.step())
        facts.agentNames[agents.columnInt(0)] = QString::fromStdString(agents.columnText(1));
    // Flushes are few (a handful per VM, 2 for storm-16g): a name for each row, so that a segment's `flush`
    // (the row) does not read as another number beside `flush_id` (its place in the VM's log).
    db::Statement flushes = db.prepare(
        "SELECT f.id, f.flush_id, coalesce(vm.name, 'VM ' || f.vm) FROM flush f LEFT JOIN vm ON vm.id = f.vm ORDER BY f.id");
    while (flushes.step())
        facts.flushNames[flushes.columnInt(0)] = QStringLiteral("flush %1 of %2")
                                                     .arg(flushes.columnInt(1))
                                                     .arg(QString::fromStdString(flushes.columnText(2)));
    return facts;
}

// The time columns of each event table: ts and the duration expression (0 for instants).
const char* durationOf(const std::string& table)
{
    static const std::map<std::string, const char*> durations = {
        {"sched_slice", "dur"}, {"migration", "0"},     {"timer_tick", "0"},     {"sctlr_state", "dur"},
        {"tvm_state", "dur"},   {"trap", "0"},          {"flush", "dur"},        {"flush_segment", "dur"},
        {"maintenance", "0"},   {"stale_read", "0"},    {"clobber", "0"},        {"stale_window", "dur"},
        {"toolstack_action", "0"}, {"marker", "0"},     {"console", "0"},        {"finding", "dur"},
    };
    const auto found = durations.find(table);
    return found == durations.end() ? nullptr : found->second;
}

} // namespace

TraceSource::TraceSource(const std::filesystem::path& file, const std::optional<std::filesystem::path>& compared)
{
    std::vector<TrackCatalog> catalogs;
    for (const std::filesystem::path* path : {&file, compared ? &*compared : nullptr}) {
        if (path == nullptr)
            continue;
        auto& added = *m_runs.emplace_back(std::make_unique<Run>(Run{*path, db::openTraceDatabase(*path), {}}));
        added.facts = readFacts(added.db);
        catalogs.push_back(buildTrackCatalog(added.db, added.facts));
    }
    TrackCatalog catalog = catalogs.size() == 1 ? std::move(catalogs[0]) : pairTrackCatalogs(catalogs[0], catalogs[1]);
    m_tracks = std::move(catalog.tracks);
    m_groups = std::move(catalog.groups);
    m_statements.resize(m_tracks.size());
}

TraceSource::~TraceSource() = default;

TimeBounds TraceSource::bounds() const
{
    std::int64_t end = 1;
    for (const auto& r : m_runs)
        end = std::max(end, r->facts.endTs);
    return {0, static_cast<double>(end)};
}

TraceSource::TrackStatements& TraceSource::statements(int track)
{
    auto& slot = m_statements.at(static_cast<std::size_t>(track));
    if (!slot) {
        const TrackInfo& info = m_tracks[static_cast<std::size_t>(track)];
        db::Database& db = database(info.run);
        slot = std::make_unique<TrackStatements>();
        slot->sampler = prepareSamplerStatements(db, info.query);
        slot->next = db.prepare(neighbourSql(info.query, true));
        slot->previous = db.prepare(neighbourSql(info.query, false));
    }
    return *slot;
}

std::vector<TrackItem> TraceSource::sample(int track, const TimeRange& range, int pixels)
{
    return sampleTrack(statements(track).sampler, m_tracks.at(static_cast<std::size_t>(track)).query, range, pixels);
}

std::int64_t TraceSource::countRows(int track, const TimeRange& range)
{
    const TrackInfo& info = m_tracks.at(static_cast<std::size_t>(track));
    const TrackQuery& q = info.query;
    db::Statement statement =
        database(info.run).prepare("SELECT count(*) FROM " + q.from + " WHERE " + q.where + " AND " + q.ts + " >= ?1 AND " + q.ts + " < ?2");
    statement.bind(1, static_cast<std::int64_t>(std::floor(range.start))).bind(2, static_cast<std::int64_t>(std::ceil(range.end)));
    return statement.step() ? statement.columnInt(0) : 0;
}

std::vector<std::int64_t> TraceSource::durations(int track, const TimeRange& range, int limit)
{
    const TrackInfo& info = m_tracks.at(static_cast<std::size_t>(track));
    const TrackQuery& q = info.query;
    db::Statement statement = database(info.run).prepare("SELECT " + q.dur + " FROM " + q.from + " WHERE " + q.where + " AND " + q.ts +
                                           " >= ?1 AND " + q.ts + " < ?2 LIMIT ?3");
    statement.bind(1, static_cast<std::int64_t>(std::floor(range.start)))
        .bind(2, static_cast<std::int64_t>(std::ceil(range.end)))
        .bind(3, limit);
    std::vector<std::int64_t> values;
    while (statement.step())
        values.push_back(statement.columnInt(0));
    return values;
}

std::optional<TrackItem> TraceSource::neighbour(int track, std::int64_t ts, std::int64_t rowId, bool forward)
{
    TrackStatements& s = statements(track);
    db::Statement& statement = forward ? s.next : s.previous;
    statement.reset();
    statement.bind(1, ts).bind(2, rowId);
    if (!statement.step())
        return std::nullopt;
    TrackItem item = trackItemOfRow(statement);
    statement.reset();
    return item;
}

const std::vector<std::string>& TraceSource::eventTables()
{
    static const std::vector<std::string> tables = {
        "finding", "sched_slice", "migration", "timer_tick", "sctlr_state", "tvm_state", "trap", "flush",
        "flush_segment", "maintenance", "stale_read", "clobber", "stale_window", "toolstack_action", "marker",
        "console", "data_loss",
    };
    return tables;
}

bool TraceSource::isEventTable(const std::string& table)
{
    const auto& tables = eventTables();
    return std::find(tables.begin(), tables.end(), table) != tables.end();
}

std::optional<std::pair<std::int64_t, std::int64_t>> TraceSource::rowTime(const RowRef& row)
{
    std::string sql;
    if (row.table == "data_loss") {
        sql = "SELECT coalesce(ts_before, ts_after, 0), coalesce(ts_after, " + std::to_string(facts(row.run).endTs) +
              ") FROM data_loss WHERE id = ?1";
    } else if (const char* dur = durationOf(row.table)) {
        sql = "SELECT ts, ts + " + std::string(dur) + " FROM " + row.table + " WHERE id = ?1";
    } else {
        return std::nullopt;
    }
    db::Statement statement = database(row.run).prepare(sql);
    statement.bind(1, row.id);
    if (!statement.step())
        return std::nullopt;
    return std::pair{statement.columnInt(0), statement.columnInt(1)};
}

std::vector<std::pair<QString, QString>> TraceSource::rowFields(const RowRef& row)
{
    std::vector<std::pair<QString, QString>> fields;
    if (!isEventTable(row.table))
        return fields;
    db::Statement statement = database(row.run).prepare("SELECT * FROM " + row.table + " WHERE id = ?1");
    statement.bind(1, row.id);
    if (!statement.step())
        return fields;
    for (int column = 0; column < statement.columnCount(); ++column) {
        const std::string name = statement.columnName(column);
        const QString stored = statement.columnType(column) == db::ColumnType::Null
                                   ? QStringLiteral("NULL")
                                   : QString::fromStdString(statement.columnText(column));
        fields.emplace_back(QString::fromStdString(name), formatColumn(facts(row.run), name, stored));
    }
    return fields;
}

std::optional<WriteBehind> TraceSource::writeBehind(const RowRef& row)
{
    std::string sql;
    QString relation;
    if (row.table == "stale_read") {
        sql = "SELECT s.latest_write_ts, a.name, s.latest_writer FROM stale_read s LEFT JOIN agent a "
              "ON a.id = s.latest_writer WHERE s.id = ?1 AND s.latest_write_ts IS NOT NULL";
        relation = QStringLiteral("missed");
    } else if (row.table == "clobber") {
        sql = "SELECT c.overwritten_write_ts, a.name, c.overwritten_writer FROM clobber c LEFT JOIN agent a "
              "ON a.id = c.overwritten_writer WHERE c.id = ?1 AND c.overwritten_write_ts IS NOT NULL";
        relation = QStringLiteral("destroyed");
    } else {
        return std::nullopt;
    }
    db::Statement statement = database(row.run).prepare(sql);
    statement.bind(1, row.id);
    if (!statement.step())
        return std::nullopt;
    const QString writer = statement.columnType(1) == db::ColumnType::Null
                               ? QStringLiteral("agent %1").arg(statement.columnInt(2))
                               : QString::fromStdString(statement.columnText(1));
    return WriteBehind{statement.columnInt(0), writer, relation};
}

std::vector<EvidenceRow> TraceSource::evidence(std::int64_t findingId, int run)
{
    std::vector<EvidenceRow> rows;
    db::Statement statement =
        database(run).prepare("SELECT table_name, row_id, role FROM finding_evidence WHERE finding = ?1 ORDER BY id");
    statement.bind(1, findingId);
    while (statement.step()) {
        EvidenceRow row{{statement.columnText(0), statement.columnInt(1), run}, QString::fromStdString(statement.columnText(2)), {}};
        rows.push_back(std::move(row));
    }
    for (EvidenceRow& row : rows)
        row.time = rowTime(row.row);
    return rows;
}

std::vector<std::int64_t> TraceSource::findingsAbout(const RowRef& row)
{
    std::vector<std::int64_t> findings;
    // No index on (table_name, row_id): the evidence table is small next to the events (a few rows per finding).
    db::Statement statement = database(row.run).prepare(
        "SELECT DISTINCT finding FROM finding_evidence WHERE table_name = ?1 AND row_id = ?2 ORDER BY finding LIMIT 100");
    statement.bind(1, row.table).bind(2, row.id);
    while (statement.step())
        findings.push_back(statement.columnInt(0));
    return findings;
}

} // namespace vcm::gui

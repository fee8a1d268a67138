#include "vcm/db/schema.h"

#include "schema_sql.h"
#include "vcm/db/hunt_schema.h"

#include <fmt/core.h>

#include <functional>
#include <vector>

namespace vcm::db {
namespace {

// Forward migrations: kMigrations[v - 1] brings a database from version v to v + 1. A change to schema.sql
// adds one here and bumps kSchemaVersion. New columns go at the end of their table in schema.sql too, so a
// migrated database and a new one have the same column order.
const std::vector<std::function<void(Database&)>> kMigrations = {
    // 1 -> 2: the write a stale read missed and the write a clobber destroyed (who and when). Rows of
    // version 1 do not know them: NULL.
    [](Database& db) {
        db.exec("ALTER TABLE stale_read ADD COLUMN latest_write_ts INTEGER");
        db.exec("ALTER TABLE clobber ADD COLUMN overwritten_writer INTEGER");
        db.exec("ALTER TABLE clobber ADD COLUMN overwritten_write_ts INTEGER");
    },
    // 2 -> 3: vcpu_wait, the stretches a runnable vCPU waited for a core, derived from sched_slice.
    [](Database& db) {
        db.exec("CREATE TABLE vcpu_wait (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, dur INTEGER NOT NULL, "
                "vcpu_id INTEGER NOT NULL, core INTEGER NOT NULL, reason TEXT NOT NULL, open INTEGER NOT NULL DEFAULT 0)");
        db.exec("CREATE INDEX vcpu_wait_vcpu_ts ON vcpu_wait (vcpu_id, ts)");
        fillVcpuWaits(db);
    },
};
static_assert(kSchemaVersion == 3, "add the migration from the previous version to kMigrations");

} // namespace

void createSchema(Database& db)
{
    db.exec(schemaSql());
    db.setUserVersion(kSchemaVersion);
}

void createIndexes(Database& db)
{
    db.exec(indexesSql());
}

void fillVcpuWaits(Database& db)
{
    // A slice that ended leaving its vCPU runnable opens a wait that its vCPU's next slice closes (the run's end
    // when there is none). The same stretches vcm check's worst_scheduling_latency_ns measures.
    db.exec(R"(DELETE FROM vcpu_wait;
        INSERT INTO vcpu_wait (ts, dur, vcpu_id, core, reason, open)
        SELECT stop, coalesce(next, run_end) - stop, vcpu_id, core, end_reason, next IS NULL FROM (
            SELECT ts + dur AS stop, vcpu_id, core, end_reason,
                   lead(ts) OVER (PARTITION BY vcpu_id ORDER BY ts, id) AS next,
                   (SELECT max(coalesce(end_ts, 0)) FROM run) AS run_end
            FROM sched_slice)
        WHERE end_reason IN ('slice_end', 'yield', 'preempted') AND coalesce(next, run_end) > stop
        ORDER BY stop, vcpu_id)");
}

namespace {

// The file's schema version, after checking that it is a vcm trace database at all.
int traceSchemaVersion(Database& db, const std::filesystem::path& file)
{
    int version = 0;
    try {
        version = db.userVersion();
        if (db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'run'") == 0)
            version = 0;
    } catch (const DatabaseError&) {
        throw DatabaseError(fmt::format("{}: not a SQLite database", file.string()));
    }
    if (version == 0 && db.scalar("PRAGMA application_id") == kHuntApplicationId)
        throw DatabaseError(fmt::format("{}: a hunt database (vcm hunt), not a trace database: read it with vcm hunt "
                                        "report or vcm query",
                                        file.string()));
    if (version <= 0)
        throw DatabaseError(fmt::format("{}: not a vcm trace database (user_version {}{}); create one with vcm ingest",
                                        file.string(), version, version == 0 ? ", or no run table" : ""));
    if (version > kSchemaVersion)
        throw DatabaseError(fmt::format("{}: schema version {} is newer than this vcm reads ({}); upgrade vcm",
                                        file.string(), version, kSchemaVersion));
    return version;
}

void migrate(Database& db, const std::filesystem::path& file)
{
    Transaction transaction(db);
    // Read again inside the transaction: another process may have migrated the file since it was checked.
    const int version = traceSchemaVersion(db, file);
    for (int v = version; v < kSchemaVersion; ++v)
        kMigrations.at(static_cast<std::size_t>(v - 1))(db);
    db.setUserVersion(kSchemaVersion);
    transaction.commit();
}

} // namespace

Database openTraceDatabase(const std::filesystem::path& file, TraceDatabaseAccess access)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw DatabaseError(fmt::format("{}: no such database file", file.string()));
    const Database::Mode mode = access == TraceDatabaseAccess::Read ? Database::Mode::ReadOnly : Database::Mode::ReadWrite;
    Database db(file, mode);
    if (traceSchemaVersion(db, file) < kSchemaVersion) {
        if (mode == Database::Mode::ReadOnly) {
            // A migration has to write: a read-write connection for it alone, so the reader's stays read-only.
            db.close();
            Database writer(file, Database::Mode::ReadWrite);
            migrate(writer, file);
            writer.close();
            db = Database(file, mode);
        } else {
            migrate(db, file);
        }
    }
    return db;
}

} // namespace vcm::db

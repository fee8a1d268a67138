#include "vcm/db/schema.h"

#include "schema_sql.h"

#include <fmt/core.h>

#include <functional>
#include <vector>

namespace vcm::db {
namespace {

// Forward migrations: kMigrations[v - 1] brings a database from version v to v + 1. Version 1 is the
// first published schema, so there are none yet; a change to schema.sql adds one here and bumps
// kSchemaVersion.
const std::vector<std::function<void(Database&)>> kMigrations = {};
static_assert(kSchemaVersion == 1, "add the migration from the previous version to kMigrations");

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

Database openTraceDatabase(const std::filesystem::path& file)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw DatabaseError(fmt::format("{}: no such database file", file.string()));
    Database db(file, Database::Mode::ReadWrite);
    int version = 0;
    try {
        version = db.userVersion();
        if (db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'run'") == 0)
            version = 0;
    } catch (const DatabaseError&) {
        throw DatabaseError(fmt::format("{}: not a SQLite database", file.string()));
    }
    if (version == 0)
        throw DatabaseError(fmt::format("{}: not a vcm trace database (no run table, user_version 0); create one "
                                        "with vcm ingest",
                                        file.string()));
    if (version > kSchemaVersion)
        throw DatabaseError(fmt::format("{}: schema version {} is newer than this vcm reads ({}); upgrade vcm",
                                        file.string(), version, kSchemaVersion));
    if (version < kSchemaVersion) {
        Transaction transaction(db);
        for (int v = version; v < kSchemaVersion; ++v)
            kMigrations.at(static_cast<std::size_t>(v - 1))(db);
        db.setUserVersion(kSchemaVersion);
        transaction.commit();
    }
    return db;
}

} // namespace vcm::db

#include "vcm/db/hunt_schema.h"

#include "schema_sql.h"

#include <fmt/core.h>

namespace vcm::db {

void createHuntSchema(Database& db)
{
    db.exec(huntSchemaSql());
    db.exec(fmt::format("PRAGMA application_id = {}", kHuntApplicationId));
    db.setUserVersion(kHuntSchemaVersion);
}

bool isHuntDatabase(const std::filesystem::path& file)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return false;
    try {
        Database db(file, Database::Mode::ReadOnly);
        return db.scalar("PRAGMA application_id") == kHuntApplicationId;
    } catch (const DatabaseError&) {
        return false;
    }
}

Database openHuntDatabase(const std::filesystem::path& file, Database::Mode mode)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw DatabaseError(fmt::format("{}: no such hunt database", file.string()));
    Database db(file, mode);
    std::int64_t application = 0;
    int version = 0;
    try {
        application = db.scalar("PRAGMA application_id");
        version = db.userVersion();
    } catch (const DatabaseError&) {
        throw DatabaseError(fmt::format("{}: not a hunt database (not a SQLite file at all)", file.string()));
    }
    if (application != kHuntApplicationId)
        throw DatabaseError(fmt::format("{}: not a hunt database (written by vcm hunt); a trace database is read by "
                                        "vcm report, check and query",
                                        file.string()));
    if (version > kHuntSchemaVersion)
        throw DatabaseError(fmt::format("{}: hunt schema version {} is newer than this vcm reads ({}); upgrade vcm",
                                        file.string(), version, kHuntSchemaVersion));
    return db;
}

} // namespace vcm::db

// The schema of a hunt database (db/sql/hunt_schema.sql, docs/hunt.md): what `vcm hunt` writes, one row per
// run. It is not a trace database; PRAGMA application_id tells the two apart, so that `vcm query` opens
// either and every other reader refuses the one it cannot use with a message saying what the file is.
#pragma once

#include "vcm/db/database.h"

#include <filesystem>

namespace vcm::db {

inline constexpr int kHuntSchemaVersion = 1;
inline constexpr int kHuntApplicationId = 0x76636d48; // 'vcmH'

// Creates the hunt tables in an empty database and marks it (application_id, user_version).
void createHuntSchema(Database& db);
// Whether `file` is a SQLite database marked as a hunt (false for anything else, including unreadable files).
bool isHuntDatabase(const std::filesystem::path& file);
// Opens an existing hunt database. Throws DatabaseError naming the file when it is not one, or is of a newer
// schema than this vcm reads.
Database openHuntDatabase(const std::filesystem::path& file, Database::Mode mode = Database::Mode::ReadOnly);

} // namespace vcm::db

// The versioned schema of a vcm trace database (db/sql/schema.sql, documented in docs/schema.md).
// PRAGMA user_version holds the version; older databases are brought forward by the migrations in
// schema.cpp, one step per version, never backwards.
#pragma once

#include "vcm/db/database.h"

namespace vcm::db {

inline constexpr int kSchemaVersion = 1;

// Creates every table of the current version in an empty database and sets user_version.
void createSchema(Database& db);
// Creates the indexes (after a bulk load: building them once is faster than maintaining them per row).
void createIndexes(Database& db);
// Opens an existing database for reading: checks that it is a vcm database and migrates an older version
// forward (in place, in one transaction). Throws DatabaseError naming the file and what was wrong.
Database openTraceDatabase(const std::filesystem::path& file);

} // namespace vcm::db

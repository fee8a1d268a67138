// The versioned schema of a vcm trace database (db/sql/schema.sql, documented in docs/schema.md).
// PRAGMA user_version holds the version; older databases are brought forward by the migrations in
// schema.cpp, one step per version, never backwards.
#pragma once

#include "vcm/db/database.h"

namespace vcm::db {

inline constexpr int kSchemaVersion = 3;

// Creates every table of the current version in an empty database (with the one index that is cheaper to keep
// up to date during a bulk load than to build after it, the partial maintenance_address) and sets user_version.
void createSchema(Database& db);
// Creates the other indexes (after a bulk load: building them once is faster than maintaining them per row).
void createIndexes(Database& db);
// Derives vcpu_wait from sched_slice (schema.sql says what a wait is). Writers call it once the slices are in.
void fillVcpuWaits(Database& db);

enum class TraceDatabaseAccess {
    Read,      // query, report, export, check, the GUI: the connection cannot change the file
    ReadWrite, // code that adds to an existing database
};
// Opens an existing database: checks that it is a vcm database and migrates an older version forward (in
// place, in one transaction: the only time a reader's open writes, through a read-write connection of its
// own that is closed before the read-only one is opened). Throws DatabaseError naming the file and what was
// wrong.
Database openTraceDatabase(const std::filesystem::path& file, TraceDatabaseAccess access = TraceDatabaseAccess::Read);

} // namespace vcm::db

// Version of the SQLite library the database layer runs on.
#pragma once

#include <string>

namespace vcm::db {

// The runtime library's version (sqlite3_libversion()), which may be newer than the headers'.
std::string sqliteVersion();

} // namespace vcm::db

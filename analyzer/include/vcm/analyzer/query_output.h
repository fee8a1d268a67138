// Runs SQL over a trace database and prints the rows: CSV (RFC 4180 quoting; the diff tests' format), an
// aligned text table, or JSON (an array of objects, one per row).
#pragma once

#include "vcm/db/database.h"

#include <ostream>
#include <string>

namespace vcm::analyzer {

enum class QueryFormat { Csv, Table, Json };

// Throws db::DatabaseError (with the SQL) when the query is invalid. Returns the number of rows.
std::uint64_t printQuery(db::Database& db, const std::string& sql, QueryFormat format, std::ostream& out);

} // namespace vcm::analyzer

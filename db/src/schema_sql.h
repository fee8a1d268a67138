// The schema's SQL text, embedded at build time from db/sql/*.sql (schema_sql.cpp.in).
#pragma once

namespace vcm::db {
const char* schemaSql();
const char* indexesSql();
const char* huntSchemaSql();
} // namespace vcm::db

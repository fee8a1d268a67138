// Writes a database atomically: everything goes to a temporary file beside the target, which replaces the
// target only on commit() (rename(2) within one directory). An ingest that fails leaves the previous database,
// if any, untouched, and removes its temporary file. A process that was killed cannot clean up: the next
// DatabaseFile for the same target removes the temporary files of writers that no longer run.
#pragma once

#include "vcm/db/database.h"

#include <filesystem>

namespace vcm::db {

class DatabaseFile {
public:
    explicit DatabaseFile(std::filesystem::path target);
    DatabaseFile(const DatabaseFile&) = delete;
    DatabaseFile& operator=(const DatabaseFile&) = delete;
    ~DatabaseFile();

    // The temporary file this process writes for `target`: TARGET.tmp-PID, beside it.
    static std::filesystem::path temporaryFor(const std::filesystem::path& target);

    Database& database() { return m_database; }
    const std::filesystem::path& temporary() const { return m_temporary; }
    // Closes the database and renames it over the target.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_temporary;
    Database m_database;
    bool m_committed = false;
};

} // namespace vcm::db

#include "vcm/db/database_file.h"

#include <fmt/core.h>
#include <unistd.h>

#include <system_error>

namespace vcm::db {
namespace {

std::filesystem::path temporaryBeside(const std::filesystem::path& target)
{
    // Same directory, so the rename is atomic; the pid keeps concurrent writers apart.
    std::filesystem::path temporary = target;
    temporary += fmt::format(".tmp-{}", ::getpid());
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return temporary;
}

} // namespace

DatabaseFile::DatabaseFile(std::filesystem::path target)
    : m_target(std::move(target)), m_temporary(temporaryBeside(m_target)),
      m_database(m_temporary, Database::Mode::Create)
{
    // The temporary file is thrown away on failure: no journal is needed while it is written.
    m_database.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF");
}

DatabaseFile::~DatabaseFile()
{
    if (!m_committed) {
        m_database.close();
        std::error_code ignored;
        std::filesystem::remove(m_temporary, ignored);
    }
}

void DatabaseFile::commit()
{
    m_database.close();
    std::error_code ec;
    std::filesystem::rename(m_temporary, m_target, ec);
    if (ec)
        throw DatabaseError(fmt::format("{}: cannot move the new database into place: {}", m_target.string(),
                                        ec.message()));
    m_committed = true;
}

} // namespace vcm::db

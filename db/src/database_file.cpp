#include "vcm/db/database_file.h"

#include <fmt/core.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>
#include <system_error>

namespace vcm::db {
namespace {

constexpr std::string_view kTemporaryInfix = ".tmp-";

// Whether process `pid` is gone. kill(pid, 0) delivers nothing; ESRCH is the only answer that proves the
// process does not exist (EPERM: it runs, as another user).
bool processIsGone(pid_t pid)
{
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Removes TARGET.tmp-PID files beside `target` left by writers that were killed (SIGKILL, a crash: nothing
// ran their cleanup). A file of a live process is another ingest at work and stays.
void removeAbandonedTemporaries(const std::filesystem::path& target)
{
    const std::string prefix = target.filename().string() + std::string(kTemporaryInfix);
    const std::filesystem::path directory = target.has_parent_path() ? target.parent_path() : ".";
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(directory, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.starts_with(prefix))
            continue;
        const std::string_view digits = std::string_view(name).substr(prefix.size());
        pid_t pid = 0;
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
        if (error != std::errc() || end != digits.data() + digits.size() || pid <= 0 || pid == ::getpid())
            continue;
        if (processIsGone(pid)) {
            std::error_code ignored;
            std::filesystem::remove(it->path(), ignored);
        }
    }
}

std::filesystem::path freshTemporaryFor(const std::filesystem::path& target)
{
    // The database is written beside the target and renamed over it: a device node, FIFO or directory named as
    // the target (-o /dev/null) would be replaced by a regular file, so it is refused.
    std::error_code ec;
    const auto status = std::filesystem::status(target, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        throw DatabaseError(fmt::format("{}: not a regular file: the database is written to a new file and renamed "
                                        "into place, which would replace this one",
                                        target.string()));
    removeAbandonedTemporaries(target);
    std::filesystem::path temporary = DatabaseFile::temporaryFor(target);
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored); // ours from an earlier DatabaseFile of this process
    return temporary;
}

} // namespace

std::filesystem::path DatabaseFile::temporaryFor(const std::filesystem::path& target)
{
    // Same directory, so the rename is atomic; the pid keeps concurrent writers apart.
    std::filesystem::path temporary = target;
    temporary += fmt::format("{}{}", kTemporaryInfix, ::getpid());
    return temporary;
}

DatabaseFile::DatabaseFile(std::filesystem::path target)
    : m_target(std::move(target)), m_temporary(freshTemporaryFor(m_target)),
      m_database(m_temporary, Database::Mode::Create)
{
    // The temporary file is thrown away on failure: no journal is needed while it is written, and no other
    // connection ever opens it (exclusive locking takes the file lock once, not per transaction).
    m_database.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE");
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

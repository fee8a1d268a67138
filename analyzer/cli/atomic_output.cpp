#include "atomic_output.h"

#include <fmt/core.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>

namespace vcm::analyzer::cli {
namespace {

std::filesystem::path temporaryBeside(const std::filesystem::path& target)
{
    // Atomic replacement is for regular files: a device node, FIFO or directory named as the output (-o
    // /dev/null) would be replaced by a regular file. Those are refused.
    std::error_code ec;
    const auto status = std::filesystem::status(target, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        throw std::runtime_error(fmt::format("{}: not a regular file: vcm writes its output to a new file and renames "
                                             "it into place, which would replace this one",
                                             target.string()));
    // Same directory, so the rename is atomic; the pid keeps concurrent writers apart.
    std::filesystem::path temporary = target;
    temporary += fmt::format(".tmp-{}", ::getpid());
    return temporary;
}

} // namespace

AtomicOutputFile::AtomicOutputFile(std::filesystem::path target)
    : m_target(std::move(target)), m_temporary(temporaryBeside(m_target)),
      m_stream(m_temporary, std::ios::binary | std::ios::trunc)
{
    if (!m_stream)
        throw std::runtime_error(fmt::format("{}: cannot create {}", m_target.string(), m_temporary.string()));
}

AtomicOutputFile::~AtomicOutputFile()
{
    if (!m_committed) {
        m_stream.close();
        std::error_code ignored;
        std::filesystem::remove(m_temporary, ignored);
    }
}

void AtomicOutputFile::commit()
{
    m_stream.flush();
    m_stream.close();
    if (!m_stream)
        throw std::runtime_error(fmt::format("{}: cannot write {}", m_target.string(), m_temporary.string()));
    std::error_code ec;
    std::filesystem::rename(m_temporary, m_target, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("{}: cannot move the new file into place: {}", m_target.string(), ec.message()));
    m_committed = true;
}

} // namespace vcm::analyzer::cli

// An output file that appears complete or not at all: written to a temporary file beside the target and
// renamed over it by commit(). Destroyed without commit() (an exception), the temporary file is removed
// and the target is untouched.
#pragma once

#include <filesystem>
#include <fstream>

namespace vcm::analyzer::cli {

class AtomicOutputFile {
public:
    explicit AtomicOutputFile(std::filesystem::path target);
    ~AtomicOutputFile();
    AtomicOutputFile(const AtomicOutputFile&) = delete;
    AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

    std::ostream& stream() { return m_stream; }
    // Flushes, closes and renames into place; throws std::runtime_error naming the file on failure.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_temporary;
    std::ofstream m_stream;
    bool m_committed = false;
};

} // namespace vcm::analyzer::cli

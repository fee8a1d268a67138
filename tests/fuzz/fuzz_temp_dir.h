// A directory of the fuzzing process's own for the files a harness must hand to code that reads a path (the
// scenario and rules loaders) or writes one (the trace database): made once per process, reused by every input
// (a new file per input would cost more than the input), removed at exit. Named by the process id: the
// run script's harnesses, and several jobs of one harness, never share one.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace vcm::fuzz {

inline const std::filesystem::path& tempDir()
{
    // Never destroyed (reachable, so no leak to LeakSanitizer): the exit handler below runs after the static
    // destructors of whatever was constructed later, and must still find the path.
    static const std::filesystem::path* const dir = [] {
        auto* d = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                            ("vcm-fuzz-" + std::to_string(::getpid())));
        std::filesystem::create_directories(*d);
        // libFuzzer ends with exit() after its last run, a crash report, or -max_total_time: the directory goes
        // then (a crash under a sanitizer calls _exit and leaves it for the run script's temporary directory).
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(tempDir(), ignored);
        });
        return d;
    }();
    return *dir;
}

// Writes `text` to `name` in tempDir(), replacing what the previous input wrote there.
inline std::filesystem::path writeTempFile(const char* name, std::string_view text)
{
    const std::filesystem::path file = tempDir() / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    return file;
}

} // namespace vcm::fuzz

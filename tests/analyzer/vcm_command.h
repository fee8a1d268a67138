// Runs the vcm binary as a user would, for the command-line tests: its exit status and everything it printed
// (stdout and stderr, through a log file in the test's work directory).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace vcm::testing {

// The test process's own directory under the temporary directory ($TMPDIR/PREFIX-PID): traces and databases of
// the command-line tests go there, and it is removed when the tests end. Each test file passes its prefix.
inline std::filesystem::path scratchDirectory(const std::string& prefix)
{
    class RemoveAtEnd : public ::testing::Environment {
    public:
        explicit RemoveAtEnd(std::filesystem::path dir) : m_dir(std::move(dir)) {}
        void TearDown() override
        {
            std::error_code ignored;
            std::filesystem::remove_all(m_dir, ignored);
        }

    private:
        std::filesystem::path m_dir;
    };
    static const std::filesystem::path dir = [&] {
        std::filesystem::path d = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()));
        ::testing::AddGlobalTestEnvironment(new RemoveAtEnd(d));
        return d;
    }();
    std::filesystem::create_directories(dir);
    return dir;
}

struct CommandResult {
    int status;
    std::string output;
};

inline std::string readFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// `vcm ARGUMENTS`, its output logged under logDirectory while it runs. `wrapper` goes before the binary (e.g.
// "timeout -s KILL 60 " to bound a command that must not hang).
inline CommandResult runVcm(const std::string& arguments, const std::filesystem::path& logDirectory,
                            const std::string& wrapper = "")
{
    static int n = 0;
    const std::filesystem::path log = logDirectory / ("vcm-out-" + std::to_string(n++) + ".log");
    const int raw =
        std::system((wrapper + std::string(VCM_BINARY) + " " + arguments + " > " + log.string() + " 2>&1").c_str());
    std::string output = readFile(log);
    std::filesystem::remove(log);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, std::move(output)};
}

} // namespace vcm::testing

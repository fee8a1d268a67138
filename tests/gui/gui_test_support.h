// Shared by the GUI tests: one QApplication per test process (offscreen platform, set by ctest's ENV), and
// trace databases built through the real pipeline (vcm run --trace, then vcm ingest).
#pragma once

#include <QApplication>
#include <QStandardPaths>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace vcm::gui::test {

inline QApplication& application()
{
    static int argc = 1;
    static char name[] = "vcm_gui_test";
    static char* argv[] = {name, nullptr};
    static QApplication* app = [] {
        // Recent files and other settings go to a test location, not the user's.
        QStandardPaths::setTestModeEnabled(true);
        return new QApplication(argc, argv);
    }();
    return *app;
}

inline std::filesystem::path workDirectory()
{
    static const std::filesystem::path dir = [] {
        const std::filesystem::path path = std::filesystem::temp_directory_path() / ("vcm-gui-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path);
        // Traces and databases are per process (ctest runs each test in its own): remove them at exit.
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("vcm-gui-test-" + std::to_string(::getpid())), ignored);
        });
        return path;
    }();
    return dir;
}

inline int vcm(const std::string& arguments)
{
    const std::string command = std::string(VCM_BINARY) + " " + arguments + " > " + (workDirectory() / "vcm.log").string() + " 2>&1";
    const int raw = std::system(command.c_str());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// Records the scenario under the policy once per process; returns its trace directory.
inline std::filesystem::path tracedRun(const std::string& scenario, const std::string& policy, const std::string& extra = "")
{
    static std::map<std::string, std::filesystem::path> done;
    std::string key = scenario + "-" + policy + extra;
    for (char& c : key)
        c = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    if (const auto found = done.find(key); found != done.end())
        return found->second;
    const std::filesystem::path trace = workDirectory() / key;
    std::filesystem::remove_all(trace);
    const int status = vcm("run " + std::string(VCM_SCENARIO_DIR) + "/" + scenario + ".toml --policy " + policy + " --trace " +
                           trace.string() + " " + extra);
    EXPECT_TRUE(status == 0 || status == 3) << "vcm run " << scenario << " exited " << status;
    done[key] = trace;
    return trace;
}

// The trace of tracedRun, ingested into a database once per process.
inline std::filesystem::path tracedDatabase(const std::string& scenario, const std::string& policy, const std::string& extra = "")
{
    static std::map<std::string, std::filesystem::path> done;
    const std::filesystem::path trace = tracedRun(scenario, policy, extra);
    if (const auto found = done.find(trace.string()); found != done.end())
        return found->second;
    const std::filesystem::path database = trace.string() + "-ingested.db";
    EXPECT_EQ(vcm("ingest -q " + trace.string() + " -o " + database.string()), 0);
    done[trace.string()] = database;
    return database;
}

#ifdef VCM_KVM_TRACES_DIR
// A committed real-KVM recording (tests/reference/kvm/traces/COMBINATION/GUEST.dat.xz), decompressed once per process.
inline std::filesystem::path referenceTrace(const std::string& combination, const std::string& guest)
{
    const std::filesystem::path dat = workDirectory() / (combination + "-" + guest + ".dat");
    if (!std::filesystem::exists(dat)) {
        const std::string command = "xz -dc '" +
                                    (std::filesystem::path(VCM_KVM_TRACES_DIR) / combination / (guest + ".dat.xz")).string() +
                                    "' > '" + dat.string() + "'";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
    }
    return dat;
}

// That recording ingested (vcm ingest) into a database, once per process.
inline std::filesystem::path referenceDatabase(const std::string& combination, const std::string& guest)
{
    const std::filesystem::path db = workDirectory() / (combination + "-" + guest + ".db");
    if (!std::filesystem::exists(db)) {
        const std::filesystem::path dat = referenceTrace(combination, guest);
        EXPECT_EQ(vcm("ingest -q " + dat.string() + " -o " + db.string()), 0);
    }
    return db;
}
#endif

} // namespace vcm::gui::test

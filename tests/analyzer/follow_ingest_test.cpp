// vcm ingest --follow end to end: a live playback of a recording (vcm replay --live, slowed down) is ingested
// while a reader polls the database, which must see the rows grow while the session runs, then the ingest
// marked complete with the same rows and findings as an ordinary ingest of the recording. Through the real vcm
// binary, LTTng and Babeltrace2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

const fs::path kVcm = VCM_BINARY;
const fs::path kScenarios = VCM_SCENARIO_DIR;

struct Result {
    int status;
    std::string out;
};

fs::path work()
{
    const fs::path dir = fs::temp_directory_path() / ("vcm-follow-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

std::string readText(const fs::path& file)
{
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Result vcm(const std::string& arguments)
{
    static int n = 0;
    const fs::path log = work() / ("out-" + std::to_string(n++));
    const int raw = std::system((kVcm.string() + " " + arguments + " > " + log.string() + " 2>&1").c_str());
    std::string out = readText(log);
    fs::remove(log);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// The single value `vcm query` prints for a one-row, one-column query (its last line), if it succeeded.
std::optional<std::string> queryValue(const fs::path& db, const std::string& sql)
{
    const Result r = vcm("query " + db.string() + " \"" + sql + "\"");
    if (r.status != 0)
        return std::nullopt; // not created yet, or no such table yet
    std::istringstream lines(r.out);
    std::string line;
    std::string last;
    while (std::getline(lines, line))
        if (!line.empty())
            last = line;
    return last;
}

std::optional<long long> queryCount(const fs::path& db, const std::string& sql)
{
    const std::optional<std::string> value = queryValue(db, sql);
    if (!value)
        return std::nullopt;
    try {
        return std::stoll(*value);
    } catch (const std::exception&) {
        return std::nullopt; // a header line only: no row yet
    }
}

// Starts `vcm replay TRACE --live` in the background and returns the URL it prints on stderr.
std::string startLivePlayback(const fs::path& trace, const std::string& speed)
{
    const fs::path err = work() / "play.err";
    fs::remove(err);
    std::system((kVcm.string() + " replay " + trace.string() + " --live --speed " + speed +
                 " --live-wait-ms 1500 > /dev/null 2> " + err.string() + " &")
                    .c_str());
    std::string url;
    for (int i = 0; i < 100 && url.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const std::string text = readText(err);
        if (const auto at = text.find("net://"); at != std::string::npos)
            url = text.substr(at, text.find_first_of(" \n", at) - at);
    }
    return url;
}

TEST(FollowIngest, ALivePlaybackIsSeenGrowingThenComplete)
{
    const fs::path trace = work() / "seed004-native";
    fs::remove_all(trace);
    const Result run = vcm("run " + (kScenarios / "seed004-bootloader-setway.toml").string() +
                           " --policy native --trace " + trace.string());
    ASSERT_TRUE(run.status == 0 || run.status == 3) << run.out;
    const fs::path recordedDb = work() / "recorded.db";
    ASSERT_EQ(vcm("ingest -q " + trace.string() + " -o " + recordedDb.string()).status, 0);

    const std::string url = startLivePlayback(trace, "0.0005");
    ASSERT_FALSE(url.empty()) << "no live URL printed";
    const fs::path followDb = work() / "follow.db";
    const fs::path done = work() / "ingest.status";
    const fs::path ingestOut = work() / "ingest.out";
    fs::remove(done);
    std::system(("(" + kVcm.string() + " ingest -q --follow --commit-ms 200 " + url + " -o " + followDb.string() +
                 " > " + ingestOut.string() + " 2>&1; echo $? > " + done.string() + ".part; mv " + done.string() +
                 ".part " + done.string() + ") &")
                    .c_str());

    // While the ingest runs: the committed rows of three tables, as a reader sees them (one alone may grow in
    // bursts: the scenario's maintenance comes in two).
    const std::string growing = "SELECT (SELECT count(*) FROM maintenance) + (SELECT count(*) FROM sched_slice) + "
                                 "(SELECT count(*) FROM timer_tick)";
    std::set<long long> seen;
    std::optional<std::string> stateWhileRunning;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!fs::exists(done) && std::chrono::steady_clock::now() < deadline) {
        if (const std::optional<long long> n = queryCount(followDb, growing);
            n && *n > 0 && !fs::exists(done)) {
            seen.insert(*n);
            if (!stateWhileRunning)
                stateWhileRunning = queryValue(followDb, "SELECT value FROM meta WHERE key = 'ingest_state'");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(fs::exists(done)) << "the following ingest did not end";
    ASSERT_EQ(readText(done), "0\n") << readText(ingestOut);
    std::string seenText;
    for (const long long n : seen)
        seenText += " " + std::to_string(n);
    std::printf("rows seen while following:%s\n", seenText.c_str()); // in ctest -V, for the record
    EXPECT_GE(seen.size(), 2u) << "the rows were not seen growing while the session ran";
    ASSERT_TRUE(stateWhileRunning.has_value());
    EXPECT_EQ(*stateWhileRunning, "following");

    EXPECT_EQ(queryValue(followDb, "SELECT value FROM meta WHERE key = 'ingest_state'"), "complete");
    const std::string counts = "SELECT (SELECT value FROM meta WHERE key = 'events') || ' ' || "
                               "(SELECT count(*) FROM maintenance) || ' ' || (SELECT count(*) FROM sched_slice) || "
                               "' ' || (SELECT count(*) FROM vcpu) || ' ' || (SELECT end_ts FROM run) || ' ' || "
                               "(SELECT group_concat(kind || '=' || n) FROM (SELECT kind, count(*) n FROM finding "
                               "GROUP BY kind ORDER BY kind))";
    const std::optional<std::string> recorded = queryValue(recordedDb, counts);
    const std::optional<std::string> followed = queryValue(followDb, counts);
    ASSERT_TRUE(recorded.has_value());
    EXPECT_EQ(followed, recorded);
    EXPECT_THAT(followed.value_or(""), HasSubstr("stale_read=8"));
    EXPECT_EQ(queryValue(followDb, "PRAGMA journal_mode"), "wal");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500)); // the player's relay daemon lingers, then exits
    fs::remove_all(work());
}

} // namespace

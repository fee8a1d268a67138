// vcm hunt end to end, as a user runs it: counts, shards merged back into the unsharded result, the first
// failure traced and replayed, workers that crash or hang, Ctrl-C, and the inputs a hunt must refuse.
#include "../analyzer/vcm_command.h"
#include "vcm/hunt/hunt_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

extern char** environ;

namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

const fs::path kScenarios = VCM_SCENARIO_DIR;
const std::string kHeisenbug = (kScenarios / "seed004-heisenbug.toml").string();

fs::path workDirectory()
{
    return vcm::testing::scratchDirectory("vcm-hunt-cli");
}

vcm::testing::CommandResult vcm(const std::string& arguments)
{
    return vcm::testing::runVcm(arguments, workDirectory());
}

std::string in(const std::string& name)
{
    return (workDirectory() / name).string();
}

// Every column but host time: what two runs of the same seed must agree on.
std::string deterministicRows(const vcm::hunt::HuntData& data)
{
    std::ostringstream rows;
    for (const vcm::hunt::RunRecord& r : data.runs)
        rows << r.policy << ',' << r.seed << ',' << r.verdict << ',' << r.staleReads << ',' << r.clobbers << ','
             << r.staleWindows << ',' << r.migrations << ',' << r.maxUnpreemptedFlushNs << ',' << r.vtimeNs << ','
             << r.instructions << ',' << r.detail << '\n';
    return rows.str();
}

std::uint64_t failuresOf(const vcm::hunt::HuntData& data, const std::string& policy)
{
    std::uint64_t n = 0;
    for (const vcm::hunt::RunRecord& r : data.runs)
        n += r.policy == policy && r.failed() ? 1u : 0u;
    return n;
}

// Sets an environment variable for the commands of one test.
class ScopedEnvironment {
public:
    ScopedEnvironment(const char* name, const std::string& value) : m_name(name) { ::setenv(name, value.c_str(), 1); }
    ~ScopedEnvironment() { ::unsetenv(m_name); }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

private:
    const char* m_name;
};

TEST(Hunt, FindsTheHeisenbugUnderNativeAndNoneUnderXen)
{
    const auto r = vcm("hunt " + kHeisenbug + " --policies native,xen --seeds 60 --no-record -o " + in("count.db"));
    EXPECT_EQ(r.status, 1) << "runs failed: " << r.output;
    EXPECT_THAT(r.output, HasSubstr("the seed varies scheduler.forced_migration_percent = 1"));
    const vcm::hunt::HuntData data = vcm::hunt::readHuntDatabase(in("count.db"));
    EXPECT_EQ(data.runs.size(), 120u);
    const std::uint64_t native = failuresOf(data, "native");
    EXPECT_GT(native, 0u) << "some seeds lose data under native";
    EXPECT_LT(native, 30u) << "but not most of them: the failure is rare";
    EXPECT_EQ(failuresOf(data, "xen"), 0u);
    EXPECT_THAT(r.output, HasSubstr("[0.00%, 6.02%]")) << "0 of 60 under xen, with its Wilson bound";
    const auto q = vcm("query " + in("count.db") + " \"SELECT policy, runs, failures FROM hunt_policy ORDER BY policy\"");
    EXPECT_EQ(q.status, 0) << q.output;
    EXPECT_THAT(q.output, HasSubstr("native,60," + std::to_string(native)));
    EXPECT_THAT(q.output, HasSubstr("xen,60,0"));
}

TEST(Hunt, FourShardsMergedEqualTheUnshardedHuntRowForRow)
{
    const std::string common = "hunt " + kHeisenbug + " --policies native,xen --seeds 50 --no-record -q ";
    EXPECT_EQ(vcm(common + "-j 2 -o " + in("whole.db")).status, 1);
    std::string shards;
    for (int k = 0; k < 4; ++k) {
        const auto r = vcm(common + "-j 1 --shard " + std::to_string(k) + "/4 -o " + in("shard" + std::to_string(k) + ".db"));
        EXPECT_TRUE(r.status == 0 || r.status == 1) << r.output;
        shards += " " + in("shard" + std::to_string(k) + ".db");
    }
    const auto merged = vcm("hunt merge" + shards + " -o " + in("merged.db"));
    ASSERT_EQ(merged.status, 0) << merged.output;
    const vcm::hunt::HuntData whole = vcm::hunt::readHuntDatabase(in("whole.db"));
    const vcm::hunt::HuntData all = vcm::hunt::readHuntDatabase(in("merged.db"));
    EXPECT_EQ(all.runs.size(), 100u);
    EXPECT_GT(failuresOf(all, "native"), 0u) << "the comparison covers failing seeds too";
    EXPECT_EQ(deterministicRows(all), deterministicRows(whole));
    EXPECT_EQ(all.header.shardCount, 1u) << "a complete merge is the unsharded hunt";
    EXPECT_EQ(all.header.scenarioHash, whole.header.scenarioHash);
}

TEST(Hunt, MergeRefusesShardsThatDoNotMakeOneHunt)
{
    const std::string common = "hunt " + kHeisenbug + " --policies native --seeds 6 --no-record -q ";
    vcm(common + "--shard 0/2 -o " + in("a0.db"));
    vcm(common + "--shard 1/2 -o " + in("a1.db"));
    vcm(common + "--shard 1/2 --set scheduler.forced_migration_percent=2 -o " + in("b1.db"));
    vcm("hunt " + kHeisenbug + " --policies native --seeds 8 --no-record -q --shard 1/2 -o " + in("c1.db"));

    auto r = vcm("hunt merge " + in("a0.db") + " " + in("b1.db") + " -o " + in("bad.db"));
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("b1.db: not a shard of the same hunt"));
    EXPECT_THAT(r.output, HasSubstr("another scenario"));
    r = vcm("hunt merge " + in("a0.db") + " " + in("c1.db") + " -o " + in("bad.db"));
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("another seed range"));
    r = vcm("hunt merge " + in("a0.db") + " -o " + in("bad.db"));
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("shard 1 of 2 missing"));
    r = vcm("hunt merge " + in("a0.db") + " " + in("a0.db") + " " + in("a1.db") + " -o " + in("bad.db"));
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("shard 0/2 is already in an earlier file"));
    EXPECT_FALSE(fs::exists(in("bad.db"))) << "a refused merge writes nothing";
    r = vcm("hunt merge " + in("a0.db") + " --allow-missing -o " + in("partial.db"));
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("PARTIAL: 3 of the hunt's 6 runs")) << "shard 1 is missing";
}

TEST(Hunt, TheFirstFailureIsTracedAndReplaysIdentically)
{
    const auto r = vcm("hunt " + kHeisenbug + " --policies native,xen --seeds 20 -q -o " + in("rec.db"));
    EXPECT_EQ(r.status, 1) << r.output;
    const vcm::hunt::HuntData data = vcm::hunt::readHuntDatabase(in("rec.db"));
    std::uint64_t first = 0;
    for (const vcm::hunt::RunRecord& run : data.runs)
        if (run.policy == "native" && run.failed() && first == 0)
            first = run.seed;
    ASSERT_NE(first, 0u) << "seeds 1..20 hold a native failure";
    const fs::path trace = workDirectory() / ("rec-native-seed" + std::to_string(first));
    EXPECT_THAT(r.output, HasSubstr("recording native seed " + std::to_string(first)));
    EXPECT_THAT(r.output, HasSubstr("the traced run found what the hunt's did"));
    EXPECT_THAT(r.output, Not(HasSubstr("recording xen"))) << "xen never failed: nothing to record";
    EXPECT_TRUE(fs::exists(trace.string() + ".db"));
    const auto replay = vcm("replay " + trace.string());
    EXPECT_EQ(replay.status, 0) << replay.output;
    EXPECT_THAT(replay.output, HasSubstr("identical"));
    const auto report = vcm("report " + trace.string() + ".db");
    EXPECT_THAT(report.output, HasSubstr("seed              " + std::to_string(first)));
}

TEST(Hunt, AWorkerThatCrashesOrHangsIsReportedWithItsSeedAndTheHuntGoesOn)
{
    {
        const ScopedEnvironment inject("VCM_HUNT_INJECT", "crash:3");
        const auto r = vcm("hunt " + kHeisenbug + " --policies xen --seeds 6 --no-record -o " + in("crash.db"));
        EXPECT_EQ(r.status, 1) << r.output;
        EXPECT_THAT(r.output, HasSubstr("xen seed 3: CRASH: its worker process was killed by signal 6"));
    }
    const vcm::hunt::HuntData crashed = vcm::hunt::readHuntDatabase(in("crash.db"));
    ASSERT_EQ(crashed.runs.size(), 6u) << "the other seeds ran";
    EXPECT_EQ(crashed.runs[2].verdict, "CRASH");
    EXPECT_EQ(crashed.runs[3].verdict, "PASS");
    {
        const ScopedEnvironment inject("VCM_HUNT_INJECT", "hang:2");
        const auto r = vcm("hunt " + kHeisenbug + " --policies xen --seeds 4 --no-record --run-timeout 1 -o " +
                           in("hang.db"));
        EXPECT_EQ(r.status, 1) << r.output;
        EXPECT_THAT(r.output, HasSubstr("xen seed 2: HUNG: still running after 1 s of host time; killed"));
    }
    const vcm::hunt::HuntData hung = vcm::hunt::readHuntDatabase(in("hang.db"));
    ASSERT_EQ(hung.runs.size(), 4u);
    EXPECT_EQ(hung.runs[1].verdict, "HUNG");
    EXPECT_EQ(hung.runs[3].verdict, "PASS");
}

TEST(Hunt, CtrlCStopsWithThePartialResult)
{
    const std::string output = in("interrupted.db");
    std::vector<std::string> args = {VCM_BINARY, "hunt", kHeisenbug, "--policies", "native,xen", "--seeds", "1000000",
                                     "--no-record", "-q", "-o", output};
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, in("interrupted.log").c_str(), O_WRONLY | O_CREAT, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, VCM_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ::kill(pid, SIGINT);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
    const vcm::hunt::HuntData data = vcm::hunt::readHuntDatabase(output);
    EXPECT_TRUE(data.header.interrupted);
    EXPECT_GT(data.runs.size(), 0u);
    EXPECT_LT(data.runs.size(), 2'000'000u);
    const std::string log = vcm::testing::readFile(in("interrupted.log"));
    EXPECT_THAT(log, HasSubstr("PARTIAL"));
    EXPECT_THAT(log, HasSubstr("interrupted"));
    const auto report = vcm("hunt report " + output);
    EXPECT_THAT(report.output, HasSubstr("(interrupted)"));
}

TEST(Hunt, InputsThatCannotBeHuntedAreRefusedOrWarnedAbout)
{
    auto r = vcm("hunt " + kHeisenbug + " --shard 5/4 --seeds 4");
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("--shard 5/4: K counts from 0"));
    r = vcm("hunt " + kHeisenbug + " --policies native,nonsense --seeds 4");
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("no policy named nonsense"));
    r = vcm("hunt " + (kScenarios / "tvm-left-armed.toml").string() + " --policies native --seeds 2 --no-record");
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("sets knobs of kvm"));
    // Nothing varies with the seed: said before the hunt, and seen after it.
    r = vcm("hunt " + (kScenarios / "seed000-clean-to-pou.toml").string() + " --policies xen --seeds 3 --no-record -o " +
            in("same.db"));
    EXPECT_THAT(r.output, HasSubstr("nothing in"));
    EXPECT_THAT(r.output, HasSubstr("varies with the seed"));
    EXPECT_THAT(r.output, HasSubstr("every run under xen was the same"));
    // A hunt database is not a trace database, and the other way round.
    vcm("hunt " + kHeisenbug + " --policies xen --seeds 2 --no-record -q -o " + in("kind.db"));
    r = vcm("report " + in("kind.db"));
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("a hunt database (vcm hunt), not a trace database"));
    r = vcm("hunt report " + (fs::path(VCM_SCENARIO_DIR) / "seed004-heisenbug.toml").string());
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("not a hunt database"));
    r = vcm("hunt " + kHeisenbug + " --seeds 2 --no-record -q -o /dev/null");
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.output, HasSubstr("/dev/null: not a regular file"));
}

} // namespace

// One convention for every subcommand of vcm (docs/cli.md), checked on the binary as a user runs it: every
// unusable input exits 2 (usage errors CLI11 reports with codes of its own included); every command that
// writes a file takes -o/--output; every command that reads a run takes a trace directory as well as a
// database; every option that takes a time takes a unit.
#include "../analyzer/vcm_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const fs::path kScenarios = VCM_SCENARIO_DIR;
using Result = vcm::testing::CommandResult;
using vcm::testing::readFile;

fs::path workDirectory()
{
    return vcm::testing::scratchDirectory("vcm-cli-conventions");
}

Result vcm(const std::string& arguments)
{
    return vcm::testing::runVcm(arguments, workDirectory(), "timeout -s KILL 120 ");
}

std::string scenario(const std::string& name)
{
    return (kScenarios / (name + ".toml")).string();
}

// seed004-bootloader-setway under xen, traced once per test process (52 events).
const fs::path& trace()
{
    static const fs::path recorded = [] {
        const fs::path dir = workDirectory() / "xen-trace";
        fs::remove_all(dir);
        const Result run =
            vcm("run " + scenario("seed004-bootloader-setway") + " --policy xen --trace " + dir.string());
        EXPECT_EQ(run.status, 0) << run.output;
        return dir;
    }();
    return recorded;
}

TEST(CliConventions, EveryUsageErrorOfEverySubcommandExits2)
{
    const std::string missing = (workDirectory() / "missing").string();
    const std::string db = (workDirectory() / "conventions.db").string();
    ASSERT_EQ(vcm("ingest -q " + trace().string() + " -o " + db).status, 0);
    struct Case {
        std::string arguments;
        std::string says; // part of the message
    };
    const std::vector<Case> cases = {
        {"", "A subcommand is required"},
        {"frobnicate", "unknown subcommand 'frobnicate'"},
        {"version --frobnicate", "--frobnicate"},
        {"run", "scenario is required"},
        {"run " + missing + ".toml", "does not exist"},
        {"run " + scenario("linux-like") + " --frobnicate", "--frobnicate"},
        {"run " + scenario("linux-like") + " --seed lots", "lots"},
        {"run " + scenario("linux-like") + " --policy magic", "unknown policy 'magic'"},
        {"matrix " + missing + ".toml", "does not exist"},
        {"matrix " + scenario("linux-like") + " --format yaml", "yaml"},
        {"boot --frobnicate", "--frobnicate"},
        {"boot", "needs guest images"},
        {"ingest", "trace is required"},
        {"ingest " + missing, "missing"},
        {"ingest " + trace().string() + " --long-flush-ns 3fortnights", "fortnights"},
        {"check", "input is required"},
        {"check " + missing, "no such file or directory"},
        {"check " + db + " --rules " + missing + ".toml", "does not exist"},
        {"query " + db, "sql is required"},
        {"query " + missing + " \"SELECT 1\"", "no such file or directory"},
        {"query " + db + " \"SELECT nothing FROM nowhere\"", "nowhere"},
        {"report " + missing, "no such file or directory"},
        {"report " + db + " --format pdf", "pdf"},
        {"export " + db, "Exactly 1 option from [-o,--output,--perfetto] is required"},
        {"export " + missing + " -o " + missing + ".json", "no such file or directory"},
        {"replay", "trace is required"},
        {"replay " + db, "is a file"},
        {"replay " + trace().string() + " --until soon", "soon"},
        {"hunt " + missing + ".toml", "no such scenario file"},
        {"hunt " + scenario("linux-like") + " --seeds 0", "--seeds"},
        {"hunt " + scenario("linux-like") + " --run-timeout 3weeks", "weeks"},
        {"hunt report " + missing + ".db", "missing"},
        {"hunt merge " + db, "--output is required"},
    };
    for (const Case& c : cases) {
        const Result r = vcm(c.arguments);
        EXPECT_EQ(r.status, 2) << "vcm " << c.arguments << "\n" << r.output;
        EXPECT_THAT(r.output, HasSubstr(c.says)) << "vcm " << c.arguments;
    }
    for (const char* help : {"--help", "run --help", "hunt report --help", "export --help"})
        EXPECT_EQ(vcm(help).status, 0) << help;
}

TEST(CliConventions, CommandsThatReadARunTakeATraceDirectoryAndCommandsThatWriteTakeDashO)
{
    const fs::path dir = workDirectory();
    const std::string traceDir = trace().string();

    // ingest: -o is optional, TRACE_DIR.db beside the directory as vcm-gui picks it (a trailing slash too).
    fs::remove(fs::path(traceDir + ".db"));
    const Result ingest = vcm("ingest -q " + traceDir + "/");
    EXPECT_EQ(ingest.status, 0) << ingest.output;
    EXPECT_TRUE(fs::exists(traceDir + ".db")) << ingest.output;

    const Result report = vcm("report " + traceDir + " -o " + (dir / "report.txt").string());
    EXPECT_EQ(report.status, 0) << report.output;
    EXPECT_THAT(readFile(dir / "report.txt"), HasSubstr("seed004-bootloader-setway under xen"));

    const Result query =
        vcm("query " + traceDir + " \"SELECT count(*) AS traps FROM trap\" -o " + (dir / "q.csv").string());
    EXPECT_EQ(query.status, 0) << query.output;
    EXPECT_EQ(readFile(dir / "q.csv"), "traps\n8716\n")
        << "the same count as vcm run printed (8704 set/way + 3 + 9 guest-port requests)";

    const Result exported = vcm("export " + traceDir + " -o " + (dir / "run.json").string());
    EXPECT_EQ(exported.status, 0) << exported.output;
    EXPECT_THAT(readFile(dir / "run.json"), HasSubstr("\"traceEvents\""));
    const Result older = vcm("export " + traceDir + ".db --perfetto " + (dir / "older.json").string());
    EXPECT_EQ(older.status, 0) << older.output;
    EXPECT_EQ(readFile(dir / "older.json"), readFile(dir / "run.json")) << "trace and its database export alike";

    const Result check = vcm("check " + traceDir + " -o " + (dir / "junit.xml").string());
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_THAT(readFile(dir / "junit.xml"), HasSubstr("<testsuite"));

    // No temporary database is left behind by the commands that ingested the trace themselves.
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path()))
        EXPECT_THAT(entry.path().filename().string(), Not(HasSubstr("vcm-run-"))) << entry.path();
}

TEST(CliConventions, TimesTakeUnits)
{
    const std::string traceDir = trace().string();
    // replay --until: 647us is 647000 (ns, the option's own unit).
    const Result units = vcm("replay " + traceDir + " --until 647us");
    const Result bare = vcm("replay " + traceDir + " --until 647000");
    EXPECT_EQ(units.status, 0) << units.output;
    EXPECT_EQ(units.output, bare.output);
    EXPECT_THAT(units.output, HasSubstr("d1v0"));

    // The detectors' threshold, on a run whose flush kept a timer tick waiting up to 14.3 us (xen-flush-range-wraps):
    // 1us makes long segments of it, 1s none; a unit and its nanoseconds give the same findings.
    const fs::path waits = workDirectory() / "waits-trace";
    fs::remove_all(waits);
    ASSERT_EQ(vcm("run " + scenario("xen-flush-range-wraps") + " --trace " + waits.string()).status, 0);
    const auto longSegments = [&](const std::string& threshold) {
        const std::string db = (workDirectory() / ("t-" + threshold + ".db")).string();
        const Result r = vcm("ingest -q " + waits.string() + " -o " + db + " --long-flush-ns " + threshold);
        EXPECT_EQ(r.status, 0) << r.output;
        const Result q = vcm("query " + db + " \"SELECT count(*) FROM finding WHERE kind = 'long_flush_segment'\"");
        return q.output;
    };
    EXPECT_EQ(longSegments("1us"), longSegments("1000"));
    EXPECT_NE(longSegments("1us"), longSegments("1s"));
}

} // namespace

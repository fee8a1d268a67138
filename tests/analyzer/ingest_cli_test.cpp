// vcm ingest and vcm query on real traces (vcm run --trace, LTTng, and one checked-in trace of an older tracer):
// what the ingest keeps of sctlr_change and of a trace without a later field,
// what vcm query refuses, and that neither a killed nor an interrupted ingest leaves its DB.tmp-PID behind.
#include "vcm_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

const fs::path kVcm = VCM_BINARY;
const fs::path kScenarios = VCM_SCENARIO_DIR;

using Result = vcm::testing::CommandResult;
using vcm::testing::readFile;

fs::path workDirectory()
{
    return vcm::testing::scratchDirectory("vcm-ingest-cli");
}

Result vcm(const std::string& arguments)
{
    return vcm::testing::runVcm(arguments, workDirectory());
}

// Records scenario/policy (with extra vcm run arguments) once per test process.
fs::path recordedTrace(const std::string& scenario, const std::string& policy, const std::string& extra = "")
{
    static std::map<std::string, fs::path> done;
    std::string key = scenario + "-" + policy + extra;
    for (char& c : key)
        c = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    if (const auto found = done.find(key); found != done.end())
        return found->second;
    const fs::path trace = workDirectory() / key;
    fs::remove_all(trace);
    const Result run = vcm("run " + (kScenarios / (scenario + ".toml")).string() + " --policy " + policy + " --trace " +
                           trace.string() + " " + extra);
    EXPECT_TRUE(run.status == 0 || run.status == 3) << run.output;
    done[key] = trace;
    return trace;
}

// The one value of a one-row, one-column query.
std::string queryValue(const fs::path& database, const std::string& sql)
{
    const Result r = vcm("query " + database.string() + " \"" + sql + "\"");
    EXPECT_EQ(r.status, 0) << r.output;
    std::string value = r.output.substr(r.output.find('\n') + 1);
    while (!value.empty() && value.back() == '\n')
        value.pop_back();
    return value;
}

pid_t deadProcessId()
{
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

TEST(IngestCli, SctlrBitFieldsAreKnownSoNothingIsRaw)
{
    const fs::path database = workDirectory() / "sctlr.db";
    const Result ingest = vcm("ingest -q " + recordedTrace("seed004-bootloader-setway", "native").string() + " -o " +
                              database.string());
    ASSERT_EQ(ingest.status, 0) << ingest.output;
    EXPECT_EQ(queryValue(database, "SELECT count(*) FROM raw_event"), "0");
    EXPECT_EQ(queryValue(database, "SELECT count(*) FROM args"), "0");
    EXPECT_EQ(queryValue(database, "SELECT value FROM meta WHERE key = 'unknown_events'"), "0");
    EXPECT_EQ(queryValue(database, "SELECT count(*) > 0 FROM sctlr_state WHERE state = 'mmu_caches'"), "1")
        << "sctlr_change itself is still read";
    EXPECT_THAT(queryValue(database, "SELECT guests FROM run"), HasSubstr("=sha256:"));
}

// A trace recorded by the tracer before stale_read gained latest_write_ns (checked in, see
// tests/data/traces/README.md) still ingests: the field reads as unknown (NULL), nothing becomes a raw event,
// and the causal chain names the writer without a time it does not have.
TEST(IngestCli, ATraceFromBeforeALaterFieldStillIngests)
{
    const fs::path database = workDirectory() / "v1.db";
    const Result ingest =
        vcm("ingest -q " + (fs::path(VCM_TRACE_DATA_DIR) / "v1-seed000-clean-to-pou-native").string() + " -o " +
            database.string());
    ASSERT_EQ(ingest.status, 0) << ingest.output;
    EXPECT_EQ(queryValue(database, "SELECT count(*) FROM stale_read"), "2");
    EXPECT_EQ(queryValue(database, "SELECT count(*) FROM stale_read WHERE latest_write_ts IS NOT NULL"), "0");
    EXPECT_EQ(queryValue(database, "SELECT count(*) FROM raw_event"), "0");
    EXPECT_EQ(queryValue(database, "SELECT value FROM meta WHERE key = 'unknown_events'"), "0");
    const std::string chain = queryValue(database, "SELECT explanation FROM finding WHERE kind = 'stale_read'");
    EXPECT_THAT(chain, HasSubstr("latest data written by dom0-builder"));
    EXPECT_THAT(chain, ::testing::Not(HasSubstr("latest data written by dom0-builder at")));
}

// A trace whose set/way traps travel in the first batch format (vcm:setway_traps: three arrays per batch, before
// vcm:setway_trap_batch coded them; checked in, see tests/data/traces/README.md) gives the same trap rows as the
// same run traced now: the model has not changed since, so every trap's time, op and operand must agree, whichever
// way the trace carried it.
TEST(IngestCli, SetWayTrapsOfTheFirstBatchFormatIngestAsTheCodedOnesDo)
{
    const fs::path old = workDirectory() / "v2.db";
    ASSERT_EQ(vcm("ingest -q " + (fs::path(VCM_TRACE_DATA_DIR) / "v2-seed004-bootloader-setway-xen").string() +
                  " -o " + old.string())
                  .status,
              0);
    const fs::path current = workDirectory() / "v3.db";
    // Recorded with the old trace's own guest image (today's talks through the guest port), so only the format differs.
    const fs::path v2Guests = fs::path(VCM_TRACE_DATA_DIR) / "v2-seed004-bootloader-setway-xen" / "guests";
    ASSERT_EQ(vcm("ingest -q " +
                  recordedTrace("seed004-bootloader-setway", "xen", " --guest-dir " + v2Guests.string()).string() +
                  " -o " + current.string())
                  .status,
              0);
    const std::string count = "SELECT count(*) FROM trap WHERE kind = 'setway'";
    EXPECT_EQ(queryValue(old, count), "8704");
    EXPECT_EQ(queryValue(current, count), "8704");
    const std::string everyTrap = "SELECT group_concat(ts || ':' || vcpu_id || ':' || core || ':' || detail || ':' || "
                                  "operand || ':' || caches_on, ' ') FROM (SELECT * FROM trap ORDER BY id)";
    EXPECT_TRUE(queryValue(old, everyTrap) == queryValue(current, everyTrap)) << "every trap the same";
    EXPECT_EQ(queryValue(old, "SELECT count(*) FROM raw_event"), "0");
    EXPECT_EQ(queryValue(old, "SELECT value FROM meta WHERE key = 'unknown_events'"), "0");
}

TEST(IngestCli, QueryIsReadOnlyAndRunsExactlyOneStatement)
{
    const fs::path database = workDirectory() / "query.db";
    ASSERT_EQ(vcm("ingest -q " + recordedTrace("seed004-bootloader-setway", "native").string() + " -o " +
                  database.string())
                  .status,
              0);
    const std::string before = readFile(database);

    const Result two = vcm("query " + database.string() + " \"SELECT 1; DELETE FROM finding\"");
    EXPECT_EQ(two.status, 2) << two.output;
    EXPECT_THAT(two.output, HasSubstr("more than one SQL statement; only one can run (the second begins: DELETE"));

    const Result write = vcm("query " + database.string() + " \"DELETE FROM finding\"");
    EXPECT_EQ(write.status, 2) << write.output;
    EXPECT_THAT(write.output, HasSubstr("attempt to write a readonly database"));

    EXPECT_EQ(readFile(database), before) << "neither changed the file";
    EXPECT_EQ(vcm("query " + database.string() + " \"SELECT 1; -- trailing comment\"").status, 0);
}

TEST(IngestCli, TheNextIngestRemovesAKilledIngestsTemporary)
{
    const fs::path database = workDirectory() / "leftover.db";
    const fs::path leftover = fs::path(database.string() + ".tmp-" + std::to_string(deadProcessId()));
    std::ofstream(leftover) << "what a SIGKILL left";
    const Result ingest = vcm("ingest -q " + recordedTrace("seed004-bootloader-setway", "native").string() + " -o " +
                              database.string());
    EXPECT_EQ(ingest.status, 0) << ingest.output;
    EXPECT_FALSE(fs::exists(leftover));
    EXPECT_TRUE(fs::exists(database));
}

// Issue 20, defect 10: a read-only database still wrote other files through VACUUM INTO and ATTACH, from
// `vcm query` and from a rules [[assert]]. SQLite's authorizer refuses them on every read-only connection.
TEST(IngestCli, ReadersCannotWriteOtherFilesThroughSql)
{
    const fs::path database = workDirectory() / "guarded.db";
    ASSERT_EQ(vcm("ingest -q " + recordedTrace("seed004-bootloader-setway", "native").string() + " -o " +
                  database.string())
                  .status,
              0);
    const fs::path copy = workDirectory() / "vacuumed.db";
    const fs::path attached = workDirectory() / "attached.db";
    fs::remove(copy);
    fs::remove(attached);
    EXPECT_NE(vcm("query " + database.string() + " \"PRAGMA user_version = 7\"").status, 0) << "a read-only connection";
    for (const std::string& sql : {"VACUUM INTO '" + copy.string() + "'", "ATTACH '" + attached.string() + "' AS x"}) {
        const Result r = vcm("query " + database.string() + " \"" + sql + "\"");
        EXPECT_NE(r.status, 0) << sql << "\n" << r.output;
        EXPECT_THAT(r.output, ::testing::AnyOf(HasSubstr("not authorized"), HasSubstr("authorization denied"))) << sql;
    }
    const fs::path rules = workDirectory() / "vacuum-rules.toml";
    std::ofstream(rules) << "[[assert]]\nname = \"copy\"\nsql = \"VACUUM INTO '" + copy.string() + "'\"\nvalue = 0\n";
    const Result check = vcm("check " + database.string() + " --rules " + rules.string());
    EXPECT_EQ(check.status, 1) << check.output;
    EXPECT_FALSE(fs::exists(copy)) << "VACUUM INTO wrote a file";
    EXPECT_FALSE(fs::exists(attached)) << "ATTACH made a file";
    EXPECT_EQ(vcm("query " + database.string() + " \"SELECT count(*) FROM trap\"").status, 0) << "reading still works";
}

// Issue 20, defect 1: as root, `-o /dev/null` turned /dev/null into a regular file. Outputs that are not regular
// files are refused (here a FIFO, which a test may make and remove), and stay what they were.
TEST(IngestCli, OutputsThatAreNotRegularFilesAreRefusedNotReplaced)
{
    const fs::path fifo = workDirectory() / "not-a-file";
    fs::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const fs::path trace = recordedTrace("seed004-bootloader-setway", "native");
    const fs::path database = workDirectory() / "for-outputs.db";
    ASSERT_EQ(vcm("ingest -q " + trace.string() + " -o " + database.string()).status, 0);
    for (const std::string& command :
         {"ingest -q " + trace.string() + " -o " + fifo.string(), "report " + database.string() + " -o " + fifo.string(),
          "export " + database.string() + " --perfetto " + fifo.string(),
          "check " + database.string() + " --junit " + fifo.string()}) {
        const Result r = vcm(command);
        EXPECT_NE(r.status, 0) << command << "\n" << r.output;
        EXPECT_THAT(r.output, HasSubstr("not a regular file")) << command;
        EXPECT_TRUE(fs::is_fifo(fifo)) << command << " replaced the FIFO";
    }
    fs::remove(fifo);
}

// Starts vcm with `arguments`, with the default disposition for `signal` whatever the test runner ignores (a
// background job ignores SIGINT); -1 if it cannot.
pid_t spawnVcm(const std::vector<std::string>& arguments, int signal)
{
    std::vector<std::string> all = {kVcm.string()};
    all.insert(all.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (const std::string& a : all)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, signal);
    ::posix_spawnattr_setsigdefault(&attributes, &defaults);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
    pid_t child = 0;
    const int spawned = ::posix_spawn(&child, kVcm.c_str(), nullptr, &attributes, argv.data(), environ);
    ::posix_spawnattr_destroy(&attributes);
    return spawned == 0 ? child : -1;
}

// Waits up to 20 s for `file` to appear.
bool appears(const fs::path& file)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (fs::exists(file))
            return true;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return false;
}

TEST(IngestCli, InterruptedIngestLeavesNoTemporary)
{
    // About 700,000 events: a few tenths of a second of ingest, time enough to interrupt it.
    const fs::path trace = recordedTrace("storm-16g", "native", "--set machine.l2.size_kib=2048");
    for (const int signal : {SIGTERM, SIGINT}) {
        const fs::path database = workDirectory() / ("interrupted-" + std::to_string(signal) + ".db");
        fs::remove(database);
        const pid_t child = spawnVcm({"ingest", "-q", trace.string(), "-o", database.string()}, signal);
        ASSERT_GT(child, 0);
        const fs::path temporary = fs::path(database.string() + ".tmp-" + std::to_string(child));
        // Signal it as soon as its temporary file exists (the handler is installed before the file is made).
        ASSERT_TRUE(appears(temporary)) << "the ingest never made " << temporary;
        std::this_thread::sleep_for(std::chrono::milliseconds(30)); // mid-read, with rows written
        ::kill(child, signal);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ADD_FAILURE() << "the ingest finished before the signal: use a longer trace";
            continue;
        }
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal) << "status " << status;
        EXPECT_FALSE(fs::exists(temporary)) << "signal " << signal;
        EXPECT_FALSE(fs::exists(database)) << "nothing was committed";
    }
}

// Issue 20, defect 6: `vcm check TRACE_DIR` ingests into /tmp/vcm-run-PID.db; interrupted, it left that file
// (or its ingest's temporary) behind.
TEST(IngestCli, InterruptedCheckOfATraceLeavesNoTemporaryDatabase)
{
    const fs::path trace = recordedTrace("storm-16g", "native", "--set machine.l2.size_kib=2048");
    for (const int signal : {SIGTERM, SIGINT}) {
        const pid_t child = spawnVcm({"check", trace.string()}, signal);
        ASSERT_GT(child, 0);
        const fs::path database = fs::temp_directory_path() / ("vcm-run-" + std::to_string(child) + ".db");
        const fs::path ingesting = fs::path(database.string() + ".tmp-" + std::to_string(child));
        ASSERT_TRUE(appears(ingesting)) << "the check never started its ingest";
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        ::kill(child, signal);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal) << "status " << status;
        EXPECT_FALSE(fs::exists(ingesting)) << "signal " << signal;
        EXPECT_FALSE(fs::exists(database)) << "signal " << signal;
    }
}

} // namespace

namespace {

// A copy of `trace` to damage, under a fresh name.
fs::path copyOf(const fs::path& trace, const std::string& name)
{
    const fs::path copy = workDirectory() / name;
    fs::remove_all(copy);
    fs::copy(trace, copy, fs::copy_options::recursive);
    return copy;
}

// The one file below `trace` named `name` (the metadata, the first stream).
fs::path fileBelow(const fs::path& trace, const std::string& name)
{
    for (const auto& entry : fs::recursive_directory_iterator(trace))
        if (entry.path().filename() == name)
            return entry.path();
    ADD_FAILURE() << "no " << name << " below " << trace;
    return {};
}

// The trace's stream files (vcm_0, vcm_1, ...: one per CPU the tracing threads ran on, so where an event
// lands is the host's choice).
std::vector<fs::path> streamsOf(const fs::path& trace)
{
    std::vector<fs::path> streams;
    for (const auto& entry : fs::recursive_directory_iterator(trace))
        if (entry.is_regular_file() && entry.path().filename().string().starts_with("vcm_") &&
            entry.path().extension() != ".idx")
            streams.push_back(entry.path());
    return streams;
}

// Overwrites the bytes at the first occurrence of `find` in any stream of `trace`, `offset` bytes from it,
// with `replace`; false if `find` is in none.
bool patch(const fs::path& trace, const std::string& find, std::ptrdiff_t offset, const std::string& replace)
{
    for (const fs::path& stream : streamsOf(trace)) {
        std::string bytes = readFile(stream);
        const std::size_t at = bytes.find(find);
        if (at == std::string::npos || static_cast<std::ptrdiff_t>(at) + offset < 0)
            continue;
        bytes.replace(static_cast<std::size_t>(static_cast<std::ptrdiff_t>(at) + offset), replace.size(), replace);
        std::ofstream(stream, std::ios::binary | std::ios::trunc) << bytes;
        return true;
    }
    return false;
}

std::string u32le(std::uint32_t v)
{
    return {static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF), static_cast<char>((v >> 16) & 0xFF),
            static_cast<char>((v >> 24) & 0xFF)};
}

// `vcm ARGUMENTS` killed after 60 s: a damaged trace must be refused, not waited on for ever.
Result bounded(const std::string& arguments)
{
    return vcm::testing::runVcm(arguments, workDirectory(), "timeout -s KILL 60 ");
}

// Damaged traces (issue 20, defects 2, 3 and 4) are unusable inputs: exit 2 with what is wrong, never a hang,
// never a shorter run passed off as the whole one, and the database an earlier ingest wrote stays as it was.
TEST(IngestCli, DamagedTracesAreRefusedAndTheOldDatabaseStays)
{
    const fs::path good = recordedTrace("seed004-bootloader-setway", "xen");
    const fs::path database = workDirectory() / "kept.db";
    ASSERT_EQ(vcm("ingest -q " + good.string() + " -o " + database.string()).status, 0);
    const std::string before = readFile(database);

    struct Damage {
        std::string name;
        std::function<bool(const fs::path&)> apply;
        std::string message;
    };
    const std::vector<Damage> damages = {
        // Babeltrace2 2.0 loops for ever on metadata cut inside a packet.
        {"metadata cut to 100 bytes", [](const fs::path& t) { fs::resize_file(fileBelow(t, "metadata"), 100); return true; },
         "the metadata is truncated"},
        {"metadata cut to 6826 bytes", [](const fs::path& t) { fs::resize_file(fileBelow(t, "metadata"), 6826); return true; },
         "the metadata is truncated"},
        {"metadata cut to 10240 bytes", [](const fs::path& t) { fs::resize_file(fileBelow(t, "metadata"), 10240); return true; },
         "the metadata is truncated"},
        // One byte of run_configuration: clusters 2 -> 1073741826 (a row per core for a billion cores).
        {"clusters = 1073741826",
         [](const fs::path& t) { return patch(t, u32le(2) + u32le(2) + u32le(64), 0, u32le(0x40000002)); },
         "clusters = 1073741826: must be 1 to 64"},
        // The length of the first set/way batch's code array (a u16 before the codes of the guest's first traps,
        // 0x0f 0x0f 0x00 0x0d) made to claim more than its packet holds: src.ctf.fs stops there "successfully".
        {"a sequence longer than its packet",
         [](const fs::path& t) { return patch(t, std::string("\x0f\x0f\x00\x0d\x00\x0d", 6), -2, "\xff\xff"); },
         "the trace is damaged"},
        // The top byte of the first packet's content_size (bytes 48-55 of LTTng-UST's header and context): as a
        // signed size it is negative, and Babeltrace2's CTF iterator aborted the process on a BT_ASSERT.
        {"content_size with its top bit set",
         [](const fs::path& t) { return patch(t, std::string("\xc1\x1f\xfc\xc1", 4), 55, "\xff"); },
         "content size 18374686"},
        {"a stream cut inside its last packet",
         [](const fs::path& t) {
             const fs::path stream = streamsOf(t).at(0);
             fs::resize_file(stream, fs::file_size(stream) - 100);
             return true;
         },
         "the trace is truncated"},
    };
    for (const Damage& d : damages) {
        const fs::path damaged = copyOf(good, "damaged");
        ASSERT_TRUE(d.apply(damaged)) << d.name << ": the trace's layout changed; update the damage";
        for (const std::string& command : {"ingest -q " + damaged.string() + " -o " + database.string(),
                                           "check " + damaged.string(), "replay " + damaged.string()}) {
            const Result r = bounded(command);
            EXPECT_EQ(r.status, 2) << d.name << ": " << command << "\n" << r.output;
            EXPECT_THAT(r.output, HasSubstr(d.message)) << d.name << ": " << command;
        }
        EXPECT_EQ(readFile(database), before) << d.name << ": the old database was replaced";
    }
    // Two runs' traces below one directory: "UNIQUE constraint failed" naming the temporary database, or (when
    // no flush met its twin) every event silently doubled.
    const fs::path two = workDirectory() / "two-runs";
    fs::remove_all(two);
    fs::create_directories(two);
    fs::copy(good, two / "a", fs::copy_options::recursive);
    fs::copy(recordedTrace("seed004-bootloader-setway", "native"), two / "b", fs::copy_options::recursive);
    const Result r = bounded("ingest -q " + two.string() + " -o " + database.string());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr("a second run in this trace"));
    EXPECT_EQ(readFile(database), before);
}

} // namespace

// vcm ingest and vcm check of real KVM/arm64's own traces: the trace-cmd files tests/reference/kvm/record.sh
// recorded under QEMU (committed, xz-compressed, in tests/reference/kvm/traces). The database must hold what the
// host's `trace-cmd report` of the same file shows, event for event, and a file that is not such a trace must be
// refused with exit 2 and nothing written.
#include "vcm_command.h"

#include "vcm/db/database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;
using vcm::testing::CommandResult;

const fs::path kTraces = VCM_KVM_TRACES_DIR;

fs::path work()
{
    return vcm::testing::scratchDirectory("vcm-kvm-trace-test");
}

CommandResult vcm(const std::string& arguments)
{
    return vcm::testing::runVcm(arguments, work());
}

std::string run(const std::string& command)
{
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[65536];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
            out.append(buffer, n);
        ::pclose(pipe);
    }
    return out;
}

// The committed trace of `guest` recorded on `combination` (e.g. "6.1-cortex-a57"), decompressed once.
fs::path traceFile(const std::string& combination, const std::string& guest)
{
    const fs::path dat = work() / (combination + "-" + guest + ".dat");
    if (!fs::exists(dat)) {
        const fs::path xz = kTraces / combination / (guest + ".dat.xz");
        EXPECT_TRUE(fs::exists(xz)) << xz;
        run("xz -dc '" + xz.string() + "' > '" + dat.string() + "'");
    }
    return dat;
}

std::vector<std::string> combinations()
{
    std::vector<std::string> list;
    for (const auto& entry : fs::directory_iterator(kTraces))
        if (entry.is_directory())
            list.push_back(entry.path().filename().string());
    std::sort(list.begin(), list.end());
    return list;
}

std::int64_t scalar(const fs::path& database, const std::string& sql)
{
    vcm::db::Database db(database, vcm::db::Database::Mode::ReadOnly);
    return db.scalar(sql);
}

std::int64_t lines(const std::string& report, const std::string& pattern)
{
    const std::regex re(pattern);
    std::int64_t n = 0;
    for (auto it = std::sregex_iterator(report.begin(), report.end(), re); it != std::sregex_iterator(); ++it)
        ++n;
    return n;
}

// Every committed trace of the reference guests: what the database counts is what trace-cmd report prints.
TEST(KvmTrace, EveryReferenceTraceIngestsWithTheCountsTraceCmdReportShows)
{
    int checked = 0;
    for (const std::string& combination : combinations())
        for (const char* guest : {"bootloader-setway", "caches-on-shadow", "boot-handoff", "linux-like"}) {
            SCOPED_TRACE(combination + " " + guest);
            const fs::path dat = traceFile(combination, guest);
            const fs::path db = work() / (combination + "-" + guest + ".db");
            const CommandResult ingest = vcm("ingest -q " + dat.string() + " -o " + db.string());
            ASSERT_EQ(ingest.status, 0) << ingest.output;
            const std::string report = run("trace-cmd report -N '" + dat.string() + "' 2>/dev/null");
            ASSERT_FALSE(report.empty()) << "trace-cmd report of " << dat;

            EXPECT_EQ(scalar(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events'"),
                      lines(report, R"(\n *\S+-\d+ +\[\d+\] )"))
                << "every record is one event";
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM sched_slice"), lines(report, " kvm_exit: "))
                << "one run slice per exit";
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM trap WHERE kind IN ('setway', 'vm_register', "
                                 "'system_register')"),
                      lines(report, " kvm_sys_access: "));
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM trap WHERE kind = 'setway'"),
                      lines(report, R"( kvm_sys_access: .* Op0=1 Op1=0 CRn=7 CRm=(6|10|14) Op2=2)"));
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM trap WHERE kind IN ('stage2_fault', 'mmio')"),
                      lines(report, " kvm_guest_fault: "));
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM trap WHERE kind = 'stage2_fault' AND detail = 1"),
                      lines(report, R"( kvm_guest_fault: .* hsr 0x8[23][0-9a-f]{6},)"))
                << "instruction aborts (ESR_EL2.EC 0x20) are marked as instruction fetches";
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM trap WHERE kind = 'mmio'"),
                      lines(report, " kvm_userspace_exit: +reason KVM_EXIT_MMIO"))
                << "every MMIO trap of these guests is an exit to the VMM";
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM flush WHERE reason = 'setway'"),
                      lines(report, " kvm_set_way_flush: "));
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM flush WHERE reason IN ('caches_on', 'caches_off')"),
                      lines(report, R"( kvm_toggle_cache: .*\(cache was (off, now on|on, now off)\))"));
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM raw_event"),
                      scalar(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'unknown_events'"))
                << "events not mapped are kept and counted";
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM stale_read") + scalar(db, "SELECT count(*) FROM clobber"), 0);
            EXPECT_EQ(scalar(db, "SELECT count(*) FROM finding WHERE kind = 'no_oracle'"), 1)
                << "no stale read because nothing could see one, and the findings say so";
            ++checked;
        }
    EXPECT_GE(checked, 20) << "four guests on five kernel and CPU combinations";
}

// What 6.12 does that 6.1 did not: it traps and fakes the cache geometry (CLIDR_EL1, CSSELR_EL1, CCSIDR_EL1) so a
// set/way loop makes one DC CISW; 6.1 shows the CPU's geometry and every DC CISW of the loop traps.
TEST(KvmTrace, TheKernelsDifferInTheCacheGeometryTheyShow)
{
    const fs::path old = work() / "geometry-6.1.db";
    const fs::path current = work() / "geometry-6.12.db";
    ASSERT_EQ(vcm("ingest -q " + traceFile("6.1-cortex-a57", "bootloader-setway").string() + " -o " + old.string()).status, 0);
    ASSERT_EQ(vcm("ingest -q " + traceFile("6.12-cortex-a57", "bootloader-setway").string() + " -o " + current.string())
                  .status,
              0);
    const std::string cacheIdTraps = "SELECT count(*) FROM trap WHERE kind = 'system_register' AND what IN "
                                     "('CLIDR_EL1 read', 'CCSIDR_EL1 read', 'CSSELR_EL1 write')";
    EXPECT_EQ(scalar(old, cacheIdTraps), 0);
    EXPECT_GT(scalar(current, cacheIdTraps), 0);
    EXPECT_GT(scalar(old, "SELECT count(*) FROM trap WHERE kind = 'setway'"), 1000);
    EXPECT_EQ(scalar(current, "SELECT count(*) FROM trap WHERE kind = 'setway'"), 1);
    // Both: one set/way flush (the first DC CISW with the caches on), then TVM armed until the caches go on.
    for (const fs::path& db : {old, current}) {
        EXPECT_EQ(scalar(db, "SELECT count(*) FROM flush WHERE reason = 'setway'"), 1);
        EXPECT_EQ(scalar(db, "SELECT count(*) FROM sctlr_state WHERE state = 'mmu_caches'"), 1);
    }
}

// FEAT_S2FWB (-cpu max): KVM neither traps the VM registers nor flushes.
TEST(KvmTrace, WithForcedWriteBackKvmNeitherTrapsVmRegistersNorFlushes)
{
    const fs::path db = work() / "fwb.db";
    ASSERT_EQ(vcm("ingest -q " + traceFile("6.12-max", "bootloader-setway").string() + " -o " + db.string()).status, 0);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM flush"), 0);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM trap WHERE kind = 'vm_register'"), 0);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM trap WHERE kind = 'setway'"), 1) << "set/way still traps (TSW)";
}

TEST(KvmTrace, CheckRunsItsRulesWithoutTheStaleDataMeasures)
{
    const std::string dat = traceFile("6.1-neoverse-n1", "linux-like").string();
    const CommandResult defaults = vcm("check " + dat);
    EXPECT_EQ(defaults.status, 0) << defaults.output;
    EXPECT_THAT(defaults.output, HasSubstr("without the stale-data measures"));
    EXPECT_THAT(defaults.output, testing::Not(HasSubstr("stale_reads")));

    const fs::path rules = work() / "rules.toml";
    std::ofstream(rules) << "[[rule]]\nmeasure = \"stale_reads\"\nmax = 0\n\n[[rule]]\nmeasure = "
                            "\"tvm_traps_after_caches_on\"\nmax = 0\n";
    const CommandResult strict = vcm("check " + dat + " --rules " + rules.string());
    EXPECT_EQ(strict.status, 1) << strict.output;
    EXPECT_THAT(strict.output, HasSubstr("FAIL  stale_reads <= 0: unknown"));
    EXPECT_THAT(strict.output, HasSubstr("this trace has none (real KVM"));
    EXPECT_THAT(strict.output, HasSubstr("PASS  tvm_traps_after_caches_on <= 0: 0"))
        << "KVM stops trapping the VM registers once the caches are on";
}

TEST(KvmTrace, TruncatedForeignOrKvmlessFilesAreRefusedAndNothingIsWritten)
{
    const fs::path whole = traceFile("6.12-neoverse-n1", "bootloader-setway");
    const fs::path cut = work() / "cut.dat";
    {
        std::ifstream in(whole, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
    }
    const fs::path foreign = work() / "foreign.dat";
    std::ofstream(foreign) << "\x17\x08\x44tracing but nothing after the magic\n";
    const fs::path notTraceCmd = work() / "text.dat";
    std::ofstream(notTraceCmd) << "not a trace at all\n";
    const fs::path noKvm = traceFile("6.12-neoverse-n1", "no-kvm-events");

    struct Case {
        fs::path file;
        std::string message;
    };
    for (const Case& c : {Case{cut, "truncated or damaged trace-cmd file"},
                          Case{foreign, "truncated or damaged trace-cmd file"},
                          Case{noKvm, "none of them kvm: record with `trace-cmd record -e kvm`"}}) {
        SCOPED_TRACE(c.file.filename().string());
        const fs::path db = work() / (c.file.filename().string() + ".db");
        const CommandResult r = vcm("ingest -q " + c.file.string() + " -o " + db.string());
        EXPECT_EQ(r.status, 2) << r.output;
        EXPECT_THAT(r.output, HasSubstr(c.file.string()));
        EXPECT_THAT(r.output, HasSubstr(c.message));
        EXPECT_FALSE(fs::exists(db)) << "nothing is written";
    }
    // A file that is no trace-cmd file at all is not taken for one: it is opened as a database, and refused.
    const CommandResult text = vcm("check " + notTraceCmd.string());
    EXPECT_EQ(text.status, 2) << text.output;
    EXPECT_THAT(text.output, HasSubstr(notTraceCmd.string()));
}

} // namespace

// The detectors on synthetic event streams: each finding kind appears on a stream built to provoke it,
// is absent on the same stream with the hazard removed, and says what the evidence is.
#include "synthetic_trace.h"

#include <gmock/gmock.h>

using ::testing::HasSubstr;
using vcm::analyzer::testing::SyntheticTrace;
namespace tr = vcm::tracer;

namespace {

constexpr std::uint64_t kSctlrMC = 0x5;       // M and C
constexpr std::uint64_t kSctlrReset = 0x30D00800;

void cachesOn(SyntheticTrace& t, std::uint64_t ts, std::uint32_t vm = 0)
{
    t.at(ts).sctlrChange(ts, vm, 0, kSctlrReset, kSctlrReset | kSctlrMC);
}

TEST(Detectors, StaleReadsGroupPerPageWithTheirCausalChain)
{
    for (const bool hazard : {true, false}) {
        SyntheticTrace t;
        t.standardMachine("native");
        t.at(0).vcpuRun(0, 0, 0, 0);
        // The guest's native set/way clean (not preceded by a trap), then two stale reads on one page.
        t.at(100).maintenance(100, 5, 0, tr::MaintenanceOp::DcCisw, 0x80000002, 0, 1, 1, 0);
        if (hazard) {
            t.at(200).staleRead({.vtimeNs = 200, .agent = 5, .core = 0, .address = 0x80005000, .staleWords = 1,
                                 .versionReturned = 10, .latestVersion = 20, .latestWriter = 5, .latestWriteNs = 40,
                                 .latestHeldIn = tr::ValueSourceKind::SystemCache});
            t.at(210).staleRead({.vtimeNs = 210, .agent = 5, .core = 0, .address = 0x80005040, .staleWords = 1,
                                 .versionReturned = 11, .latestVersion = 21, .latestWriter = 5, .latestWriteNs = 45,
                                 .latestHeldIn = tr::ValueSourceKind::SystemCache});
        }
        t.at(300).vcpuStop(300, 0, 0, 0, tr::VcpuStopReason::Exit, 1000);
        t.analyse();
        if (!hazard) {
            EXPECT_EQ(t.findings("stale_read"), 0);
            continue;
        }
        ASSERT_EQ(t.findings("stale_read"), 1) << "two reads of one page are one finding";
        EXPECT_EQ(t.count("SELECT measure FROM finding WHERE kind = 'stale_read'"), 2);
        EXPECT_EQ(t.count("SELECT dur FROM finding WHERE kind = 'stale_read'"), 10);
        const std::string why = t.text("SELECT explanation FROM finding WHERE kind = 'stale_read'");
        EXPECT_THAT(why, HasSubstr("d1v0 read stale data on page 0x80005000"));
        EXPECT_THAT(why, HasSubstr("got version 10 from RAM instead of version 20"));
        EXPECT_THAT(why, HasSubstr("latest data written by d1v0 at 40 ns (160 ns before), now in the system cache"))
            << "the write the first read missed, from the trace's latest_write_ns";
        EXPECT_THAT(why, HasSubstr("DC CISW by d1v0 on core 0"));
        EXPECT_THAT(why, HasSubstr("policy native did not trap d1v0's set/way operations"));
        EXPECT_EQ(t.count("SELECT count(*) FROM finding_evidence WHERE table_name = 'stale_read'"), 2);
        EXPECT_EQ(t.count("SELECT count(*) FROM finding_evidence e JOIN finding f ON f.id = e.finding "
                          "WHERE f.kind = 'stale_read' AND e.table_name = 'maintenance'"),
                  1);
        EXPECT_EQ(t.findings("untrapped_setway"), 1);
    }
}

TEST(Detectors, ClobberNamesTheLastMaintenanceOfTheLine)
{
    for (const bool hazard : {true, false}) {
        SyntheticTrace t;
        t.standardMachine("native");
        t.at(50).maintenance(50, 5, 0, tr::MaintenanceOp::DcIvac, 0x80001000, 64, 0, 1, 1);
        if (hazard)
            t.at(90).clobber({.vtimeNs = 90, .address = 0x80001008, .words = 2, .origin = tr::ValueSourceKind::L2,
                              .lineVersion = 3, .overwrittenVersion = 7, .overwrittenWriteKnown = true,
                              .overwrittenWriter = 6, .overwrittenWriteNs = 70,
                              .cause = "read by d1v0 on core 0 (via eviction)"});
        t.analyse();
        ASSERT_EQ(t.findings("clobber"), hazard ? 1 : 0);
        if (hazard) {
            const std::string why = t.text("SELECT explanation FROM finding WHERE kind = 'clobber'");
            EXPECT_THAT(why, HasSubstr("write-back from L2 of cluster 0 put version 3 over the newer version 7"));
            EXPECT_THAT(why, HasSubstr("the destroyed data was written by d2v0 at 70 ns (20 ns before)"));
            EXPECT_THAT(why, HasSubstr("last maintenance of the line: DC IVAC by d1v0 at 50 ns (it ran before the "
                                       "write at 70 ns, so it could not cover it)"));
        }
    }
}

TEST(Detectors, StaleWindowsHaveTheirWidthAndStayOpenToTheEnd)
{
    SyntheticTrace t;
    t.standardMachine("native");
    t.at(100).staleWindowOpen(100, 0x80002000, "d1v0 (caches off)", "write by dom0-builder on core 2");
    t.at(400).staleWindowClose(400, 0x80002000, "DC CIVAC by dom0-builder on core 2");
    t.at(500).staleWindowOpen(500, 0x80003000, "d1v0 (caches off)", "write by dom0-builder on core 2");
    t.at(900).runEnd(900, 1);
    t.analyse();
    ASSERT_EQ(t.findings("stale_window"), 2);
    EXPECT_EQ(t.count("SELECT dur FROM finding WHERE kind = 'stale_window' AND address = 0x80002000"), 300);
    EXPECT_EQ(t.count("SELECT dur FROM finding WHERE kind = 'stale_window' AND address = 0x80003000"), 400);
    EXPECT_EQ(t.count("SELECT open FROM stale_window WHERE page = 0x80003000"), 1);
    EXPECT_THAT(t.text("SELECT explanation FROM finding WHERE address = 0x80003000"),
                HasSubstr("still open when the run ended"));
}

TEST(Detectors, LongFlushSegmentIsAboutPendingWorkKeptWaiting)
{
    auto run = [](std::uint64_t delay, const vcm::analyzer::DetectorOptions& options) {
        auto t = std::make_unique<SyntheticTrace>();
        t->standardMachine("kvm");
        t->at(0).flushRequest(0, 0, 0, 0, tr::FlushReason::SetWay);
        t->at(5'000'000).flushSegment(0, 5'000'000, 0, 0, 0, 4096, 0, true, 0x41000, delay);
        t->analyse(options);
        return t;
    };
    EXPECT_EQ(run(2'000'000, {})->findings("long_flush_segment"), 1);
    EXPECT_EQ(run(0, {})->findings("long_flush_segment"), 0) << "5 ms long, but nothing was waiting";
    EXPECT_EQ(run(500'000, {})->findings("long_flush_segment"), 0);
    EXPECT_EQ(run(500'000, {100'000})->findings("long_flush_segment"), 1) << "the threshold is an option";
    auto t = run(2'000'000, {});
    EXPECT_EQ(t->count("SELECT measure FROM finding"), 2'000'000);
    EXPECT_EQ(t->count("SELECT segments FROM flush"), 1);
    EXPECT_EQ(t->count("SELECT finished FROM flush"), 1);
    EXPECT_EQ(t->count("SELECT dur FROM flush"), 5'000'000);
}

TEST(Detectors, TvmTrapsAfterCachesOnExceptTheWriteTurningThemOff)
{
    for (const bool hazard : {true, false}) {
        SyntheticTrace t;
        t.standardMachine("kvm");
        t.at(0).tvmChange(0, 0, 0, true);
        cachesOn(t, 100);
        // The first trapped write with caches on is how the hypervisor learns they are on: not counted.
        t.at(150).trap(150, 0, 0, 0, tr::TrapKind::VmRegister, 1, 0, 0x1000, 0x2000);
        if (hazard) // TVM left armed: a context switch rewriting TTBR0 traps again
            t.at(200).trap(200, 0, 0, 0, tr::TrapKind::VmRegister, 1, 0, 0x2000, 0x1000);
        else
            t.at(160).tvmChange(160, 0, 0, false);
        // the write turning the caches off is why TVM is armed: not counted
        t.at(300).trap(300, 0, 0, 0, tr::TrapKind::VmRegister, 0, 0, kSctlrReset | kSctlrMC, kSctlrReset);
        t.analyse();
        EXPECT_EQ(t.findings("tvm_trap_after_caches_on"), hazard ? 1 : 0);
        if (hazard) {
            EXPECT_THAT(t.text("SELECT explanation FROM finding WHERE kind = 'tvm_trap_after_caches_on'"),
                        HasSubstr("d1v0 took 1 more TVM traps (TTBR0_EL1) after a trapped write had already found"));
        }
        EXPECT_EQ(t.count("SELECT count(*) FROM tvm_state WHERE open = 1"), hazard ? 1 : 0);
    }
}

TEST(Detectors, SetWayRightAfterItsTrapIsTheHypervisorsNotTheGuests)
{
    SyntheticTrace t;
    t.standardMachine("dc-bit");
    t.at(10).trap(10, 0, 0, 0, tr::TrapKind::SetWay, 2, 0x80000002, 0, 0);
    t.at(11).maintenance(11, 5, 0, tr::MaintenanceOp::DcCisw, 0x80000002, 0, 0, 1, 0);
    t.analyse();
    EXPECT_EQ(t.count("SELECT trapped FROM maintenance"), 1);
    EXPECT_EQ(t.count("SELECT level FROM maintenance"), 2) << "level field (bits [3:1]) + 1";
    EXPECT_EQ(t.findings("untrapped_setway"), 0);
}

TEST(Detectors, CachesOnWithoutAFlushOfTheVm)
{
    for (const bool flushed : {false, true}) {
        SyntheticTrace t;
        t.standardMachine("xen");
        t.at(0).vcpuRun(0, 0, 0, 0);
        cachesOn(t, 100);
        if (flushed) // the trap handler queues the flush; it runs at the start of the next slice
            t.at(101).flushRequest(101, 0, 0, 0, tr::FlushReason::CachesOn);
        t.at(150).vcpuStop(150, 0, 0, 0, tr::VcpuStopReason::Hypervisor, 10);
        t.at(160).vcpuRun(160, 0, 0, 0);
        t.at(900).vcpuStop(900, 0, 0, 0, tr::VcpuStopReason::Exit, 10);
        t.analyse();
        EXPECT_EQ(t.findings("caches_on_without_flush"), flushed ? 0 : 1);
        EXPECT_EQ(t.count("SELECT count(*) FROM sctlr_state s JOIN vcpu v ON v.id = s.vcpu_id WHERE v.name = 'd1v0'"), 2)
            << "reset value until 100, caches on after";
        EXPECT_EQ(t.text("SELECT s.state FROM sctlr_state s JOIN vcpu v ON v.id = s.vcpu_id WHERE v.name = 'd2v0'"),
                  "reset") << "never changed: value unknown";
        EXPECT_EQ(t.text("SELECT state FROM sctlr_state ORDER BY ts LIMIT 1"), "off");
        EXPECT_EQ(t.count("SELECT count(*) FROM sched_slice"), 2);
    }
}

TEST(Detectors, WorstWaitOfAnotherVcpuDuringAFlush)
{
    for (const std::uint64_t wait : {4'000'000u, 500'000u}) {
        SyntheticTrace t;
        t.standardMachine("kvm");
        t.at(0).flushRequest(0, 0, 0, 0, tr::FlushReason::SetWay);
        t.at(0).vcpuRun(0, 1, 0, 0);
        t.at(1'000'000).vcpuStop(1'000'000, 1, 0, 0, tr::VcpuStopReason::SliceEnd, 100);
        t.at(1'000'000 + wait).vcpuRun(1'000'000 + wait, 1, 0, 0);
        t.at(9'000'000).vcpuStop(9'000'000, 1, 0, 0, tr::VcpuStopReason::Exit, 100);
        t.at(10'000'000).flushSegment(0, 10'000'000, 0, 0, 0, 4096, 0, true, 0, 0);
        t.analyse();
        EXPECT_EQ(t.findings("flush_scheduling_latency"), wait > 1'000'000 ? 1 : 0);
        if (wait > 1'000'000) {
            EXPECT_EQ(t.count("SELECT measure FROM finding WHERE kind = 'flush_scheduling_latency'"), 4'000'000);
            EXPECT_THAT(t.text("SELECT explanation FROM finding WHERE kind = 'flush_scheduling_latency'"),
                        HasSubstr("d2v0 waited 4.000 ms for a core"));
        }
    }
}

TEST(Detectors, DataLossMakesEveryFindingUncertain)
{
    SyntheticTrace t;
    t.standardMachine("native");
    t.at(100).staleWindowOpen(100, 0x80002000, "d1v0 (caches off)", "write");
    t.untimed().dataLoss("events", 266, 1000, 2000);
    t.at(700).staleWindowClose(700, 0x80002000, "DC CIVAC");
    t.analyse();
    ASSERT_EQ(t.findings("data_loss"), 1);
    EXPECT_EQ(t.count("SELECT measure FROM finding WHERE kind = 'data_loss'"), 266);
    EXPECT_EQ(t.count("SELECT ts_before FROM data_loss"), 100);
    EXPECT_EQ(t.count("SELECT ts_after FROM data_loss"), 700);
    EXPECT_EQ(t.count("SELECT count(*) FROM finding WHERE uncertain = 0"), 0);
    EXPECT_THAT(t.text("SELECT explanation FROM finding WHERE kind = 'stale_window'"),
                HasSubstr("uncertain: the trace lost 266 events"));
}

TEST(TraceDatabaseBuilder, UnknownEventsAndFieldsAreKept)
{
    SyntheticTrace t;
    t.standardMachine("native");
    t.at(42).rawEvent("vcm:future_event", 42, false, {{"gfn", 0x41000, std::nullopt}, {"why", std::nullopt, "because"}});
    t.analyse();
    EXPECT_EQ(t.text("SELECT name FROM raw_event"), "vcm:future_event");
    EXPECT_EQ(t.count("SELECT int_value FROM args WHERE key = 'gfn'"), 0x41000);
    EXPECT_EQ(t.text("SELECT string_value FROM args WHERE key = 'why'"), "because");
    EXPECT_EQ(t.text("SELECT value FROM meta WHERE key = 'unknown_events'"), "1");
}

} // namespace

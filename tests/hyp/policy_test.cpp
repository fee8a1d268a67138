// The cache-maintenance policies on the cross-built guests: each policy's outcome as the model reports it
// (the guests' own verdicts, the coherence oracle's stale reads, the policies' flush logs, the vCPUs' trap
// counts and scheduling latencies). The thresholds below were chosen from measured figures, quoted beside
// each assertion; the model is deterministic, so the margins are there to let the cost model evolve, not
// to absorb noise.
#include "guest_boot.h"

#include "vcm/hyp/policy/cache_policy.h"
#include "vcm/hyp/policy/flush_page_to_ram.h"
#include "vcm/hyp/policy/xen_p2m_root.h"
#include "vcm/hyp/boot_payload.h"
#include "vcm/hyp/toolstack.h"
#include "vcm_boot_payload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace vcm::hyp {
namespace {

using ::testing::HasSubstr;
using testing::capturedNumber;
using testing::guestPath;

constexpr std::uint64_t kBudget = 100'000'000;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
constexpr std::uint64_t kDefaultRam = 16u << 20; // VmSpec's default
constexpr std::uint64_t kPageBytes = 4096;

// A policy by name with its knobs, and a label for failure messages.
struct PolicyChoice {
    std::string name;
    policy::PolicyKnobs knobs;

    std::string label() const
    {
        std::string text = name;
        for (const auto& [knob, value] : knobs)
            text += " " + knob + "=" + value;
        return text;
    }
};

PolicyChoice native()
{
    return {"native", {}};
}
PolicyChoice xenRfcAsPosted()
{
    return {"xen-rfc", {}};
}
PolicyChoice xenRfcFixed()
{
    return {"xen-rfc", {{"fix_read_check", "true"}}};
}
PolicyChoice xen()
{
    return {"xen", {}};
}
PolicyChoice xenWithoutAccessTracking()
{
    return {"xen", {{"access_tracking", "false"}}};
}
PolicyChoice kvm()
{
    return {"kvm", {}};
}
PolicyChoice kvmFwb()
{
    return {"kvm-fwb", {}};
}
PolicyChoice kvm61()
{
    return {"kvm-6.1", {}};
}

// A machine whose VMs each get their own policy instance (createPolicy), kept alive as long as the machine.
// VMs are placed one after another in machine RAM from 0x8000'0000.
struct PolicyMachine {
    explicit PolicyMachine(const MachineConfig& config = {}) : machine(config) { machine.memory().setListener(&counts); }

    std::size_t addGuest(const char* guest, const PolicyChoice& choice, memory::CoreId core, bool pinned = false,
                         std::uint64_t ramBytes = kDefaultRam, bool ramInUse = false)
    {
        policies.push_back(policy::createPolicy(choice.name, machine, choice.knobs));
        VmSpec spec;
        spec.name = "d" + std::to_string(policies.size());
        spec.ramBytes = ramBytes;
        spec.machineBase = nextBase;
        spec.vcpuCores = {core};
        spec.pinned = pinned;
        spec.ramInUse = ramInUse;
        const std::size_t vm = machine.createVm(spec, *policies.back());
        nextBase += ramBytes;
        machine.loadImage(vm, VCM_GUEST_RAM_BASE, GuestImage::load(guestPath(guest)).bytes);
        return vm;
    }
    const policy::FlushLog& flushes(std::size_t vm) const { return policies.at(vm)->flushes(); }

    Machine machine; // declared first: destroyed after the policies that refer to it
    memory::CoherenceCounts counts;
    std::vector<std::unique_ptr<policy::CachePolicy>> policies;
    memory::PhysAddr nextBase = 0x8000'0000;
};

// One guest alone in its machine (VM on core 0), run to completion.
struct Outcome {
    VcpuSummary vcpu;
    memory::CoherenceCounts counts;
    policy::FlushLog flushes;
};

Outcome bootAlone(const char* guest, const PolicyChoice& choice, const MachineConfig& config = {},
                  std::uint64_t ramBytes = kDefaultRam)
{
    PolicyMachine m(config);
    const std::size_t vm = m.addGuest(guest, choice, 0, /*pinned*/ false, ramBytes);
    const MachineRun run = m.machine.run(kBudget);
    EXPECT_TRUE(run.allExited) << choice.label() << " " << guest << ": " << run.vcpus.at(0).fault;
    return {run.vcpus.at(0), m.counts, m.flushes(vm)};
}

MachineConfig noSystemCacheForcedMigrations()
{
    MachineConfig config;
    config.topology.systemCache.sizeBytes = 0;
    config.forcedMigrationPercent = 50;
    config.seed = 1;
    return config;
}

long long wrongWords(const Outcome& o, const char* guest)
{
    return capturedNumber(o.vcpu.console, (std::string(guest) + ": (\\d+) of 4096 words wrong").c_str());
}

// ---- 1. native: nothing trapped ----------------------------------------------------------------------------

TEST(NativePolicy, BootloaderSetWayWithASystemCacheReadsStaleData)
{
    // Measured: 4096 of 4096 words wrong, 4096 stale reads, no traps, no flushes.
    const Outcome o = bootAlone("bootloader-setway", native());
    EXPECT_EQ(o.vcpu.exitCode, 1u) << o.vcpu.console;
    EXPECT_GT(o.counts.staleReads, 0u);
    EXPECT_EQ(o.counts.staleReads, static_cast<std::uint64_t>(wrongWords(o, "bootloader-setway")));
    // The only traps are the guest's own requests through the guest port (console, markers, exit).
    EXPECT_EQ(o.vcpu.trapCounts.total(), o.vcpu.trapCounts.mmio);
    EXPECT_TRUE(o.flushes.records.empty());
}

TEST(NativePolicy, SetWayMigrateLosesDataWhenMigratedMidLoop)
{
    // Measured (no system cache, 50 % forced migrations, seed 1): 7 migrations, 2560 words wrong and as
    // many stale reads.
    const Outcome o = bootAlone("setway-migrate", native(), noSystemCacheForcedMigrations());
    EXPECT_GT(o.vcpu.migrations, 0u);
    EXPECT_EQ(o.vcpu.exitCode, 1u) << o.vcpu.console;
    EXPECT_GT(o.counts.staleReads, 0u);
    EXPECT_EQ(o.counts.staleReads, static_cast<std::uint64_t>(wrongWords(o, "setway-migrate")));
}

// ---- 2. xen-rfc: as posted, and with the review's fix --------------------------------------------------------

TEST(XenRfcPolicy, AsPostedTheInvertedReadCheckMakesTrappedSetWayANoOp)
{
    // Measured: 8704 set/way traps, no flush, 4096 stale reads (the same as native: the trapped
    // operations are not even performed locally).
    const Outcome o = bootAlone("bootloader-setway", xenRfcAsPosted());
    EXPECT_EQ(o.vcpu.exitCode, 1u) << o.vcpu.console;
    EXPECT_GT(o.counts.staleReads, 0u);
    EXPECT_GT(o.vcpu.trapCounts.setWay, 0u);
    EXPECT_TRUE(o.flushes.records.empty());
    EXPECT_EQ(o.flushes.totalPages(), 0u);
}

TEST(XenRfcPolicy, FixedEachFlushIsOneUnpreemptedSegmentThatGrowsWithGuestMemory)
{
    // Measured longest segment (cycles): 1 GiB 144'754'688, 4 GiB 578'865'152, 16 GiB 2'315'307'008: a
    // factor of 4.00 per step, as the p2m walk is linear in the pages mapped. Asserted: more than 3x per 4x
    // of memory. Each 16 GiB VM costs the host a few milliseconds (RAM is reserved, not touched).
    std::vector<memory::Cycles> longest;
    for (const std::uint64_t gib : {1u, 4u, 16u}) {
        const Outcome o = bootAlone("bootloader-setway", xenRfcFixed(), {}, gib * kGiB);
        SCOPED_TRACE(std::to_string(gib) + " GiB");
        EXPECT_EQ(o.vcpu.exitCode, 0u) << o.vcpu.console;
        EXPECT_EQ(o.counts.staleReads, 0u);
        ASSERT_FALSE(o.flushes.records.empty());
        for (const policy::FlushRecord& r : o.flushes.records) {
            EXPECT_EQ(r.segments.size(), 1u) << toString(r.reason) << ": the flush cannot be preempted";
            EXPECT_TRUE(r.finished);
            EXPECT_EQ(r.pages, gib * kGiB / kPageBytes) << "every mapped page, no access tracking";
        }
        longest.push_back(o.flushes.longestSegment());
    }
    EXPECT_GT(longest[1], 3 * longest[0]);
    EXPECT_GT(longest[2], 3 * longest[1]);
}

// ---- 3. xen and kvm -------------------------------------------------------------------------------------------

TEST(XenAndKvmPolicies, NoStaleReadsOnBootloaderSetWayOrSetWayMigrate)
{
    for (const PolicyChoice& p : {xen(), xenWithoutAccessTracking(), kvm()}) {
        SCOPED_TRACE(p.label());
        const Outcome boot = bootAlone("bootloader-setway", p);
        EXPECT_EQ(boot.vcpu.exitCode, 0u) << boot.vcpu.console;
        EXPECT_EQ(boot.counts.staleReads, 0u);
        EXPECT_GT(boot.vcpu.trapCounts.setWay, 0u);
        EXPECT_FALSE(boot.flushes.records.empty());

        const Outcome migrate = bootAlone("setway-migrate", p, noSystemCacheForcedMigrations());
        EXPECT_GT(migrate.vcpu.migrations, 0u) << "the same seed migrates mid-loop as under native";
        EXPECT_EQ(migrate.vcpu.exitCode, 0u) << migrate.vcpu.console;
        EXPECT_EQ(migrate.counts.staleReads, 0u);
    }
}

TEST(XenAndKvmPolicies, UnpreemptedDelayStaysBoundedAsGuestMemoryGrows)
{
    // Measured longest unpreempted delay (cycles) at 1 / 4 / 16 GiB on bootloader-setway:
    //   xen                      28'681 / 28'681 / 28'681 (the work counter checks softirqs every ~52 pages;
    //                            with access tracking it flushes the 1 GiB stage-2 block the guest touched, at
    //                            every size, so the variant below is the one whose flush grows with memory)
    //   xen access_tracking=off  28'591 / 28'685 / 28'687 (2, 8, 32 GiB flushed in 146, 580, 2318 segments)
    //   kvm                 144'530'493 / 144'678'111 / 144'692'982 (one 1 GiB chunk between resched points)
    // against xen-rfc fixed's single segment of 2'315'307'008 at 16 GiB (16x kvm's delay, 80'000x xen's).
    const Outcome rfc16 = bootAlone("bootloader-setway", xenRfcFixed(), {}, 16 * kGiB);
    const memory::Cycles rfcSegment16 = rfc16.flushes.longestSegment();
    ASSERT_GT(rfcSegment16, 0u);

    struct Bound {
        PolicyChoice policy;
        std::uint64_t belowRfcBy; // delay at 16 GiB * this < xen-rfc fixed's segment at 16 GiB
    };
    for (const Bound& b : {Bound{xen(), 1000}, Bound{xenWithoutAccessTracking(), 1000}, Bound{kvm(), 8}}) {
        SCOPED_TRACE(b.policy.label());
        std::vector<memory::Cycles> delay;
        for (const std::uint64_t gib : {1u, 4u, 16u}) {
            const Outcome o = bootAlone("bootloader-setway", b.policy, {}, gib * kGiB);
            EXPECT_EQ(o.vcpu.exitCode, 0u) << gib << " GiB: " << o.vcpu.console;
            EXPECT_EQ(o.counts.staleReads, 0u) << gib << " GiB";
            delay.push_back(o.flushes.longestUnpreemptedDelay());
        }
        ASSERT_GT(delay[0], 0u) << "timer ticks fall due during the flush, so some work always waits";
        EXPECT_LE(delay[2], 2 * delay[0]) << "16 GiB against 1 GiB";
        EXPECT_LT(delay[2] * b.belowRfcBy, rfcSegment16);
    }
}

TEST(XenPolicy, AccessTrackingFlushesWhatWasTouchedKvmWhatWasFaultedInAndWithoutItEveryFlushIsFull)
{
    // Measured on bootloader-setway (16 MiB = 4096 pages): xen 512 pages in 2 flushes (set/way: the 2 MiB
    // blocks touched since the VM was created; caches off: 0 pages, nothing touched since); kvm 1536 in 3
    // flushes (caches on, set/way, caches off: 512 each, the one 2 MiB block its single stage-2 fault mapped);
    // kvm-6.1 42 in 3 flushes (14 pages each, its 14 faults of 4 KiB); xen access_tracking=false 8192 in 2
    // flushes of 4096. kvm's extra flush is at caches on: KVM traps SCTLR_EL1 from reset, Xen only after a set/way.
    const std::uint64_t ramPages = kDefaultRam / kPageBytes;
    const Outcome x = bootAlone("bootloader-setway", xen());
    const Outcome k = bootAlone("bootloader-setway", kvm());
    const Outcome k61 = bootAlone("bootloader-setway", {"kvm-6.1", {}});
    const Outcome full = bootAlone("bootloader-setway", xenWithoutAccessTracking());

    EXPECT_LT(x.flushes.totalPages(), ramPages) << "less than even one full-guest flush";
    EXPECT_GT(x.flushes.totalPages(), 0u);
    EXPECT_GT(x.vcpu.trapCounts.stage2Fault, 0u) << "access tracking re-validates entries on first access";

    // stage2_flush_vm walks what user_mem_abort has mapped: 2 MiB blocks under kvm, pages under kvm-6.1.
    ASSERT_EQ(k.flushes.records.size(), 3u);
    ASSERT_EQ(k61.flushes.records.size(), 3u);
    EXPECT_GT(k.vcpu.trapCounts.stage2Fault, 0u);
    EXPECT_GT(k61.vcpu.trapCounts.stage2Fault, k.vcpu.trapCounts.stage2Fault) << "pages need more faults than blocks";
    for (const policy::FlushRecord& r : k.flushes.records)
        EXPECT_EQ(r.pages, 512 * k.vcpu.trapCounts.stage2Fault) << "kvm " << toString(r.reason);
    for (const policy::FlushRecord& r : k61.flushes.records)
        EXPECT_EQ(r.pages, k61.vcpu.trapCounts.stage2Fault) << "kvm-6.1 " << toString(r.reason);
    EXPECT_LT(k.flushes.totalPages(), ramPages);

    ASSERT_FALSE(full.flushes.records.empty());
    for (const policy::FlushRecord& r : full.flushes.records)
        EXPECT_EQ(r.pages, ramPages) << "xen access_tracking=false " << toString(r.reason);
    EXPECT_EQ(full.vcpu.trapCounts.stage2Fault, 0u);
}

// Xen 14c57887f3: p2m_invalidate_root() looped up to P2M_ROOT_LEVEL instead of P2M_ROOT_PAGES. The root
// geometry is setup_virt_paging()'s pa_range_info[]; the loop's reach follows from it.
TEST(XenPolicy, RootPagesAndWhatTheLoopBoundByLevelInvalidated)
{
    constexpr std::uint64_t k512GiB = 512 * kGiB;
    const policy::XenP2mRoot forty = policy::XenP2mRoot::forIpaBits(40);
    EXPECT_EQ(forty.level, 1u);
    EXPECT_EQ(forty.pages, 2u);
    EXPECT_EQ(forty.invalidatedEnd(false), 2 * k512GiB) << "both concatenated pages: the whole 1 TiB";
    EXPECT_EQ(forty.invalidatedEnd(true), k512GiB) << "i < P2M_ROOT_LEVEL (1): the first page only";
    const policy::XenP2mRoot fortyTwo = policy::XenP2mRoot::forIpaBits(42);
    EXPECT_EQ(fortyTwo.pages, 8u);
    EXPECT_EQ(fortyTwo.invalidatedEnd(false), std::uint64_t{1} << 42);
    EXPECT_EQ(fortyTwo.invalidatedEnd(true), k512GiB);
    const policy::XenP2mRoot fortyEight = policy::XenP2mRoot::forIpaBits(48);
    EXPECT_EQ(fortyEight.level, 0u);
    EXPECT_EQ(fortyEight.pages, 1u);
    EXPECT_EQ(fortyEight.invalidatedEnd(false), std::uint64_t{1} << 48);
    EXPECT_EQ(fortyEight.invalidatedEnd(true), 0u) << "i < 0: nothing at all";
    EXPECT_EQ(policy::XenP2mRoot::forIpaBits(32).invalidatedEnd(true), 4 * kGiB) << "one page at level 1: correct";
    EXPECT_THROW(policy::XenP2mRoot::forIpaBits(39), policy::PolicyError);
}

TEST(XenPolicy, WithTheRootLoopBoundByLevelA48BitHostTracksNoAccessAndFlushesEveryPage)
{
    // Measured on bootloader-setway (16 MiB = 4096 pages): fixed, 512 pages in 2 flushes with stage-2 faults;
    // loop bound by level at 48 bits, 8192 pages (2 x 4096) and no fault, as access_tracking = false; at 40
    // bits the first root page holds all RAM and the bug changes nothing.
    const std::uint64_t ramPages = kDefaultRam / kPageBytes;
    const Outcome fixed = bootAlone("bootloader-setway", {"xen", {{"p2m_ipa_bits", "48"}}});
    const Outcome buggy48 =
        bootAlone("bootloader-setway", {"xen", {{"p2m_ipa_bits", "48"}, {"root_invalidation_by_level", "true"}}});
    const Outcome buggy40 =
        bootAlone("bootloader-setway", {"xen", {{"p2m_ipa_bits", "40"}, {"root_invalidation_by_level", "true"}}});
    const Outcome untracked = bootAlone("bootloader-setway", xenWithoutAccessTracking());

    EXPECT_LT(fixed.flushes.totalPages(), ramPages);
    EXPECT_GT(fixed.vcpu.trapCounts.stage2Fault, 0u);
    EXPECT_EQ(buggy48.flushes.totalPages(), untracked.flushes.totalPages());
    ASSERT_FALSE(buggy48.flushes.records.empty());
    for (const policy::FlushRecord& r : buggy48.flushes.records)
        EXPECT_EQ(r.pages, ramPages) << toString(r.reason);
    EXPECT_EQ(buggy48.vcpu.trapCounts.stage2Fault, 0u) << "no entry was ever invalidated";
    EXPECT_EQ(buggy40.flushes.totalPages(), fixed.flushes.totalPages());
    EXPECT_EQ(buggy48.counts.staleReads, 0u) << "more flushing, never less: the cost is time, not data";
}

TEST(XenPolicy, P2mIpaBitsMustHoldTheRam)
{
    PolicyMachine m;
    EXPECT_THROW(m.addGuest("bootloader-setway", {"xen", {{"p2m_ipa_bits", "32"}}}, 0, false, 4 * kGiB),
                 policy::PolicyError)
        << "RAM from 1 GiB to 5 GiB does not fit in 4 GiB of IPA";
}

// XSA-437: arm32 Xen's flush_page_to_ram() maps the frame in its domheap mapcache and cleans the mapping with
// a loop that compares against p + size, which wraps to 0 for the frame mapped at 0xFFFFF000.
TEST(XenArm32FlushPageToRam, TheFrameMappedAtTheTopIsNotMaintainedUntilXsa437WasFixed)
{
    EXPECT_EQ(policy::xenArm32DomheapAddress(0x80000), 0x8000'0000u) << "machine 2 GiB: slot 0 of the mapcache";
    EXPECT_EQ(policy::xenArm32DomheapAddress(0xFFFFE), 0xFFFF'E000u);
    EXPECT_EQ(policy::xenArm32DomheapAddress(0xFFFFF), 0xFFFF'F000u);
    EXPECT_EQ(policy::xenArm32DomheapAddress(0x17FFFF), 0xFFFF'F000u) << "every 2 GiB, the same slot";
    EXPECT_EQ(policy::xenArm32BytesMaintained(0xFFFF'F000, 4096, 64, true), 0u);
    EXPECT_EQ(policy::xenArm32BytesMaintained(0xFFFF'F000, 4096, 64, false), 4096u);
    EXPECT_EQ(policy::xenArm32BytesMaintained(0xFFFF'E000, 4096, 64, true), 4096u);
    EXPECT_EQ(policy::xenArm32BytesMaintained(0x8000'0010, 100, 64, true), 128u) << "two lines, start rounded down";
    EXPECT_EQ(policy::xenArm32BytesMaintained(0x8000'0010, 100, 64, false), 128u);
    EXPECT_EQ(policy::xenArm32BytesMaintained(0xFFFF'FFC0, 64, 64, true), 0u) << "the last line alone";
}

TEST(XenArm32FlushPageToRam, SetWayTopOfRamLosesTheTopPageOnlyWithTheWrappingHelper)
{
    // setway-top-of-ram writes the last two pages of a 2 GiB guest (machine frames 0xFFFFE and 0xFFFFF):
    // measured 512 of 1024 words wrong with the knob (the whole top page), 0 without.
    const auto wrong = [](const Outcome& o) {
        return capturedNumber(o.vcpu.console, "setway-top-of-ram: (\\d+) of 1024 words wrong");
    };
    const Outcome wraps =
        bootAlone("setway-top-of-ram", {"xen", {{"flush_range_end_wraps", "true"}}}, {}, 2 * kGiB);
    const Outcome fixed = bootAlone("setway-top-of-ram", xen(), {}, 2 * kGiB);
    EXPECT_EQ(wrong(wraps), 512) << wraps.vcpu.console;
    EXPECT_EQ(wraps.counts.staleReads, 512u);
    EXPECT_EQ(wrong(fixed), 0) << fixed.vcpu.console;
    EXPECT_EQ(fixed.counts.staleReads, 0u);
    EXPECT_EQ(wraps.flushes.totalPages(), fixed.flushes.totalPages()) << "Xen believes it flushed the frame";
}

// ---- 4. a latency-sensitive VM beside setway-storm on the same core ------------------------------------------

struct StormOutcome {
    bool allExited = false;
    VcpuSummary probe;
    VcpuSummary storm;
    policy::FlushLog stormFlushes;
};

StormOutcome stormBesideProbe(const PolicyChoice& choice, std::uint64_t stormRamBytes)
{
    PolicyMachine m;
    m.addGuest("latency-probe", choice, 0, /*pinned*/ true);
    // A storm guest that has used all of its memory: kvm, which maps stage 2 on demand, has it all mapped.
    const std::size_t storm = m.addGuest("setway-storm", choice, 0, /*pinned*/ true, stormRamBytes, /*ramInUse*/ true);
    const MachineRun run = m.machine.run(kBudget);
    return {run.allExited, run.vcpus.at(0), run.vcpus.at(1), m.flushes(storm)};
}

TEST(SetWayStormNeighbour, XenPreemptsTheFlushKvmReschedulesPerGibXenRfcNever)
{
    // Storm VM of 4 GiB. Measured probe maxSchedulingLatency (cycles): native 770'150 (slices only); xen
    // 771'650 (access tracking: a 512-page flush in 9 preempted segments); xen access_tracking=false 770'150
    // (its 1'048'576-page flush ran in 298 preempted segments); kvm 149'223'493 (one 1 GiB chunk);
    // xen-rfc fixed 580'327'173 (the whole 4 GiB flush in the trap handler, one segment). Asserted: both xen
    // variants more than 20x below xen-rfc fixed (measured 750x) and below kvm (measured 190x), kvm more
    // than 2x below xen-rfc fixed (measured 3.9x).
    constexpr std::uint64_t stormRam = 4 * kGiB;
    const StormOutcome x = stormBesideProbe(xen(), stormRam);
    const StormOutcome xFull = stormBesideProbe(xenWithoutAccessTracking(), stormRam);
    const StormOutcome k = stormBesideProbe(kvm(), stormRam);
    const StormOutcome rfc = stormBesideProbe(xenRfcFixed(), stormRam);
    for (const StormOutcome* o : {&x, &xFull, &k, &rfc}) {
        EXPECT_TRUE(o->allExited) << o->storm.fault;
        EXPECT_THAT(o->probe.console, HasSubstr("PASS"));
        EXPECT_THAT(o->storm.console, HasSubstr("PASS"));
        ASSERT_FALSE(o->stormFlushes.records.empty());
    }
    for (const StormOutcome* o : {&xFull, &k, &rfc})
        EXPECT_GE(o->stormFlushes.totalPages(), stormRam / kPageBytes) << "at least one full 4 GiB flush";
    EXPECT_GT(x.stormFlushes.records[0].segments.size(), 1u) << "xen's flush was preempted";
    EXPECT_GT(xFull.stormFlushes.records[0].segments.size(), 1u) << "xen's flush was preempted";
    EXPECT_EQ(rfc.stormFlushes.records[0].segments.size(), 1u);

    ASSERT_GT(rfc.probe.maxSchedulingLatency, 0u);
    for (const StormOutcome* o : {&x, &xFull}) {
        EXPECT_GT(o->probe.maxSchedulingLatency, 0u) << "it shares the core: it waits for slices";
        EXPECT_LT(20 * o->probe.maxSchedulingLatency, rfc.probe.maxSchedulingLatency);
        EXPECT_LT(20 * o->probe.maxSchedulingLatency, k.probe.maxSchedulingLatency);
    }
    EXPECT_LT(2 * k.probe.maxSchedulingLatency, rfc.probe.maxSchedulingLatency);
}

// ---- 5. kvm-fwb: stage 2 forces write-back ----------------------------------------------------------------------

Outcome cachesOnShadowWithAnOlderCachedCopy(const PolicyChoice& choice)
{
    // As in guest_scenarios_test: the hypervisor's cacheable map touches the buffer's lines first.
    PolicyMachine m;
    const std::size_t vm = m.addGuest("caches-on-shadow", choice, 0, /*pinned*/ true);
    const std::uint64_t bufferIpa = 0x4040'0000;
    for (std::uint64_t offset = 0; offset < 16 * 1024; offset += 64) {
        std::uint8_t byte = 0;
        m.machine.memory().read(m.machine.hypervisorAgent(0), m.machine.machineAddress(vm, bufferIpa + offset),
                                std::span(&byte, 1), memory::MemoryType::NormalWriteBack);
    }
    const MachineRun run = m.machine.run(kBudget);
    EXPECT_TRUE(run.allExited) << run.vcpus.at(0).fault;
    return {run.vcpus.at(0), m.counts, m.flushes(vm)};
}

// kvm (6.12) traps the cache ID registers (HCR_EL2.TID2) and shows one set of one way at one level, so the set/way
// loop that takes kvm-6.1 one trap per set and way is one DC CISW; the flushes are the same.
TEST(KvmPolicy, SixPointTwelveFakesTheCacheGeometryAndSixPointOneShowsTheMachines)
{
    const Outcome current = bootAlone("bootloader-setway", kvm());
    const Outcome old = bootAlone("bootloader-setway", kvm61());
    for (const Outcome* o : {&current, &old}) {
        EXPECT_EQ(o->vcpu.exitCode, 0u) << o->vcpu.console;
        EXPECT_EQ(o->counts.staleReads, 0u);
    }
    EXPECT_EQ(current.vcpu.trapCounts.setWay, 1u) << "a level-1 data cache of one set and one way";
    EXPECT_EQ(current.vcpu.trapCounts.cacheIdRegister, 4u)
        << "CLIDR_EL1 read, CSSELR_EL1 written before and after the CCSIDR_EL1 read, as in the 6.12 trace";
    EXPECT_GT(old.vcpu.trapCounts.setWay, 1'000u) << "every set and way of L1 and L2";
    EXPECT_EQ(old.vcpu.trapCounts.cacheIdRegister, 0u);
    EXPECT_EQ(current.flushes.records.size(), old.flushes.records.size());
    EXPECT_EQ(current.vcpu.trapCounts.tvm, old.vcpu.trapCounts.tvm);
}

TEST(KvmFwbPolicy, CoherentWithoutFlushesOrVmRegisterTraps)
{
    // Measured: bootloader-setway PASS, caches-on-shadow PASS (native: 2048 stale reads), 0 flushes, no TVM
    // trap. Set/way operations trap and do nothing (access_dcsw under FWB), one per level of 6.12's fabricated
    // geometry, as the 6.12 reference trace on -cpu max shows.
    const Outcome boot = bootAlone("bootloader-setway", kvmFwb());
    EXPECT_EQ(boot.vcpu.exitCode, 0u) << boot.vcpu.console;
    EXPECT_EQ(boot.counts.staleReads, 0u);
    EXPECT_TRUE(boot.flushes.records.empty());
    EXPECT_EQ(boot.vcpu.trapCounts.tvm, 0u);
    EXPECT_EQ(boot.vcpu.trapCounts.setWay, 1u);
    EXPECT_GT(boot.vcpu.trapCounts.cacheIdRegister, 0u);

    const Outcome shadowNative = cachesOnShadowWithAnOlderCachedCopy(native());
    ASSERT_GT(shadowNative.counts.staleReads, 0u) << "the older cached copy matters";
    const Outcome shadow = cachesOnShadowWithAnOlderCachedCopy(kvmFwb());
    EXPECT_EQ(shadow.vcpu.exitCode, 0u) << shadow.vcpu.console;
    EXPECT_EQ(shadow.counts.staleReads, 0u);
    EXPECT_TRUE(shadow.flushes.records.empty());
    EXPECT_EQ(shadow.vcpu.trapCounts.tvm, 0u);
}

TEST(CachesOnShadowUnderPolicies, KvmFlushesWhenCachesGoOnXenDoesNotTrapIt)
{
    // KVM traps SCTLR_EL1 from reset and flushes the VM at caches on, removing the older copy; Xen starts
    // with TVM clear, so only a set/way operation (which this guest never issues) would arm it.
    // Measured: kvm PASS, 1 caches-on flush of 4096 pages; xen FAIL, 2048 stale reads, no flush.
    const Outcome k = cachesOnShadowWithAnOlderCachedCopy(kvm());
    EXPECT_EQ(k.vcpu.exitCode, 0u) << k.vcpu.console;
    EXPECT_EQ(k.counts.staleReads, 0u);
    ASSERT_EQ(k.flushes.records.size(), 1u);
    EXPECT_EQ(k.flushes.records[0].reason, policy::FlushReason::CachesOn);

    const Outcome x = cachesOnShadowWithAnOlderCachedCopy(xen());
    EXPECT_EQ(x.vcpu.exitCode, 1u) << x.vcpu.console;
    EXPECT_GT(x.counts.staleReads, 0u);
    EXPECT_TRUE(x.flushes.records.empty());
    EXPECT_EQ(x.vcpu.trapCounts.tvm, 0u);
}

// ---- 6. linux-like: no TVM traps once caches are on ---------------------------------------------------------------

TEST(LinuxLikeGuest, NoTvmTrapsOnceCachesAreOnUnderXenAndKvm)
{
    // Measured: xen tvm 0 (never armed: no set/way), kvm tvm 4 (SCTLR/TTBR/TCR/MAIR writes before caches
    // on), tvmAfterCachesOn 0 for both.
    for (const PolicyChoice& p : {xen(), kvm()}) {
        SCOPED_TRACE(p.label());
        const Outcome o = bootAlone("linux-like", p);
        EXPECT_EQ(o.vcpu.exitCode, 0u) << o.vcpu.console;
        EXPECT_EQ(o.counts.staleReads, 0u);
        EXPECT_EQ(o.vcpu.trapCounts.tvmAfterCachesOn, 0u);
        EXPECT_EQ(o.vcpu.trapCounts.setWay, 0u);
    }
    EXPECT_GT(bootAlone("linux-like", kvm()).vcpu.trapCounts.tvm, 0u) << "kvm traps SCTLR from reset until caches on";
}

// ---- 7. the toolstack's modes under the policies ---------------------------------------------------------------------
// guest_scenarios_test covers the modes with the pass-through trap handler; here: the same table through the
// native policy object in one place, and what the other policies change about it.


struct BootImageOutcome {
    Outcome guest;
    std::uint64_t raceFills = 0;
};

// The guest boots on core 0; the toolstack writes the payload from core 2 (the other cluster).
BootImageOutcome bootImage(const PolicyChoice& choice, ToolstackMode mode, std::uint64_t raceFillsPerMillionCycles,
                           bool ramInUse = false)
{
    PolicyMachine m;
    const std::size_t vm = m.addGuest("boot-image", choice, 0, /*pinned*/ false, kDefaultRam, ramInUse);
    Toolstack toolstack(m.machine, 2, raceFillsPerMillionCycles);
    const ToolstackWriteResult written = toolstack.writeImage(vm, VCM_BOOT_PAYLOAD_IPA, buildBootPayload(60'000), mode);
    const MachineRun run = m.machine.run(kBudget);
    EXPECT_TRUE(run.allExited) << run.vcpus.at(0).fault;
    return {{run.vcpus.at(0), m.counts, m.flushes(vm)}, written.speculativeFills};
}

constexpr std::uint64_t kRace = 20'000; // speculative fills per million cycles in the race window

TEST(ToolstackUnderPolicies, NativeStaleReadsPerMode)
{
    // Measured: no maintenance and clean to PoU 2 stale reads each (the payload magic); clean to PoC then
    // unmap 0 without speculation, 4742 with 1000 fills in the race window; uncached and hypervisor flush 0.
    struct Row {
        ToolstackMode mode;
        std::uint64_t race;
        bool stale;
    };
    for (const Row& row : {Row{ToolstackMode::CachedNoMaintenance, 0, true}, Row{ToolstackMode::CachedCleanToPoU, 0, true},
                           Row{ToolstackMode::UncachedMapping, 0, false},
                           Row{ToolstackMode::UnmapThenHypervisorFlush, 0, false},
                           Row{ToolstackMode::CachedCleanToPoCThenUnmap, 0, false},
                           Row{ToolstackMode::CachedCleanToPoCThenUnmap, kRace, true}}) {
        SCOPED_TRACE(std::string(toString(row.mode)) + " race " + std::to_string(row.race));
        const BootImageOutcome o = bootImage(native(), row.mode, row.race);
        EXPECT_EQ(o.guest.vcpu.exitCode, row.stale ? 1u : 0u) << o.guest.vcpu.console;
        if (row.stale) {
            EXPECT_GT(o.guest.counts.staleReads, 0u);
        } else {
            EXPECT_EQ(o.guest.counts.staleReads, 0u);
        }
        if (row.race > 0) {
            EXPECT_GT(o.raceFills, 0u) << "speculation refilled lines through the foreign map";
        }
    }
}

TEST(ToolstackUnderPolicies, KvmsCachesOnFlushRemovesTheRacesRefilledLinesButNotMissingMaintenance)
{
    // The race's refilled lines hold the payload as written; the guest changes it with caches off and reads it
    // back with caches on. KVM's caches-on flush (TVM from reset) cleans and invalidates them first.
    // Measured: clean to PoC + race PASS with 0 stale reads (native and xen: 4742); no maintenance still FAILs
    // (the guest reads the payload with caches off, before any flush).
    const BootImageOutcome raced = bootImage(kvm(), ToolstackMode::CachedCleanToPoCThenUnmap, kRace);
    EXPECT_GT(raced.raceFills, 0u);
    EXPECT_EQ(raced.guest.vcpu.exitCode, 0u) << raced.guest.vcpu.console;
    EXPECT_EQ(raced.guest.counts.staleReads, 0u);
    ASSERT_FALSE(raced.guest.flushes.records.empty());
    EXPECT_EQ(raced.guest.flushes.records[0].reason, policy::FlushReason::CachesOn);

    const BootImageOutcome xenRaced = bootImage(xen(), ToolstackMode::CachedCleanToPoCThenUnmap, kRace);
    EXPECT_EQ(xenRaced.guest.vcpu.exitCode, 1u) << "xen does not trap caches on: " << xenRaced.guest.vcpu.console;
    EXPECT_GT(xenRaced.guest.counts.staleReads, 0u);

}

TEST(ToolstackUnderPolicies, KvmsFaultTimeCleanMakesAnUnmaintainedPayloadCoherentUnlessItsRamWasAlreadyMapped)
{
    // Seed 000's payload, written cached and never cleaned, is read by the guest with caches off. user_mem_abort
    // cleans each block to the PoC before mapping it, and the payload's block is first mapped when the guest
    // touches it, after the toolstack wrote it: the guest reads the payload from RAM. Measured: PASS, 0 stale
    // reads, under kvm (2 MiB blocks) and kvm-6.1 (pages). A VM whose RAM was already faulted in (ram_in_use) gets
    // no such clean, and FAILs as native does.
    for (const PolicyChoice& choice : {kvm(), PolicyChoice{"kvm-6.1", {}}}) {
        SCOPED_TRACE(choice.label());
        const BootImageOutcome cleaned = bootImage(choice, ToolstackMode::CachedNoMaintenance, 0);
        EXPECT_EQ(cleaned.guest.vcpu.exitCode, 0u) << cleaned.guest.vcpu.console;
        EXPECT_EQ(cleaned.guest.counts.staleReads, 0u);
        EXPECT_GT(cleaned.guest.vcpu.trapCounts.stage2Fault, 0u);

        const BootImageOutcome mapped = bootImage(choice, ToolstackMode::CachedNoMaintenance, 0, /*ramInUse*/ true);
        EXPECT_EQ(mapped.guest.vcpu.exitCode, 1u) << mapped.guest.vcpu.console;
        EXPECT_GT(mapped.guest.counts.staleReads, 0u);
        EXPECT_EQ(mapped.guest.vcpu.trapCounts.stage2Fault, 0u);
    }
}

TEST(ToolstackUnderPolicies, KvmFwbMakesEveryModeCoherent)
{
    // With FWB the caches-off guest's accesses are cacheable, so it sees the toolstack's dirty lines.
    // Measured: PASS and 0 stale reads for every mode, with and without the race.
    for (const ToolstackMode mode :
         {ToolstackMode::CachedNoMaintenance, ToolstackMode::CachedCleanToPoU, ToolstackMode::CachedCleanToPoCThenUnmap,
          ToolstackMode::UncachedMapping, ToolstackMode::UnmapThenHypervisorFlush}) {
        SCOPED_TRACE(toString(mode));
        const BootImageOutcome o = bootImage(kvmFwb(), mode, kRace);
        EXPECT_EQ(o.guest.vcpu.exitCode, 0u) << o.guest.vcpu.console;
        EXPECT_EQ(o.guest.counts.staleReads, 0u);
        EXPECT_TRUE(o.guest.flushes.records.empty());
    }
}

// ---- 8. errors ------------------------------------------------------------------------------------------------------------

TEST(PolicyErrors, UnknownPolicyIsNamedWithTheKnownOnes)
{
    Machine machine(MachineConfig{});
    try {
        policy::createPolicy("xen-magic", machine);
        FAIL() << "no PolicyError";
    } catch (const policy::PolicyError& e) {
        EXPECT_THAT(e.what(), HasSubstr("xen-magic"));
        for (const std::string& name : policy::policyNames())
            EXPECT_THAT(e.what(), HasSubstr(name));
    }
    EXPECT_EQ(policy::policyNames(), (std::vector<std::string>{"native", "xen-rfc", "xen", "kvm", "kvm-6.1", "kvm-fwb",
                                                               "dc-bit", "fault-flush"}));
    for (const std::string& name : policy::policyNames())
        EXPECT_NE(policy::createPolicy(name, machine), nullptr) << name;
}

TEST(PolicyErrors, UnknownKnobIsNamedWithThePolicysKnobs)
{
    Machine machine(MachineConfig{});
    try {
        policy::createPolicy("xen", machine, {{"preempt_treshold", "64"}});
        FAIL() << "no PolicyError";
    } catch (const policy::PolicyError& e) {
        EXPECT_THAT(e.what(), HasSubstr("xen"));
        EXPECT_THAT(e.what(), HasSubstr("preempt_treshold"));
        for (const char* knob : {"preempt_threshold", "page_weight", "skip_weight", "access_tracking"})
            EXPECT_THAT(e.what(), HasSubstr(knob));
    }
    try {
        policy::createPolicy("xen-rfc", machine, {{"fix_read_chek", "true"}});
        FAIL() << "no PolicyError";
    } catch (const policy::PolicyError& e) {
        EXPECT_THAT(e.what(), HasSubstr("xen-rfc"));
        EXPECT_THAT(e.what(), HasSubstr("fix_read_chek"));
        EXPECT_THAT(e.what(), HasSubstr("fix_read_check"));
    }
    EXPECT_THROW(policy::createPolicy("kvm", machine, {{"resched_chunk_mib", "lots"}}), policy::PolicyError);
    EXPECT_THROW(policy::createPolicy("xen-rfc", machine, {{"fix_read_check", "maybe"}}), policy::PolicyError);
}

} // namespace
} // namespace vcm::hyp

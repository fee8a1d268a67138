// The guest programs of the seeds on the machine with nothing trapped: each guest's own verdict, and the
// oracle's report of the same hazard.
#include "guest_boot.h"

#include "vcm/hyp/boot_payload.h"
#include "vcm/hyp/toolstack.h"
#include "vcm_boot_payload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

namespace vcm::hyp {
namespace {

using ::testing::HasSubstr;
using testing::capturedNumber;
using testing::GuestMachine;

constexpr std::uint64_t kBudget = 100'000'000;

// Seed 002: the guest writes with caches off while an older copy of the lines sits in its core's cache
// (here: the hypervisor's cacheable map touched them, as speculation may at any time); caches on without
// invalidation shows the old copy.
TEST(CachesOnShadow, OlderCachedCopyShadowsWhatTheGuestWroteWithCachesOff)
{
    GuestMachine g;
    const std::size_t vm = g.addGuest("caches-on-shadow", 0, /*pinned*/ true);
    const std::uint64_t bufferIpa = 0x4040'0000;
    for (std::uint64_t offset = 0; offset < 16 * 1024; offset += 64) {
        std::uint8_t byte = 0;
        g.machine.memory().read(g.machine.hypervisorAgent(0), g.machine.machineAddress(vm, bufferIpa + offset),
                                std::span(&byte, 1), memory::MemoryType::NormalWriteBack);
    }
    const MachineRun run = g.machine.run(kBudget);
    const VcpuSummary& v = run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_EQ(v.exitCode, 1u) << v.console;
    const long long shadowed = capturedNumber(v.console, "caches-on-shadow: (\\d+) of 2048 words");
    EXPECT_EQ(shadowed, 2048) << v.console;
    EXPECT_EQ(g.counts.staleReads, static_cast<std::uint64_t>(shadowed));
    EXPECT_GT(g.counts.windowsOpened, 0u) << "the guest's caches were off while RAM and cache differed";
}

TEST(CachesOnShadow, NothingCachedBeforehandPasses)
{
    GuestMachine g;
    g.addGuest("caches-on-shadow", 0);
    const MachineRun run = g.machine.run(kBudget);
    EXPECT_EQ(run.vcpus[0].exitCode, 0u) << run.vcpus[0].console;
    EXPECT_EQ(g.counts.staleReads, 0u);
}


struct BootImageOutcome {
    std::uint64_t exitCode = 0;
    std::string console;
    std::uint64_t staleReads = 0;
};

// The toolstack on core 2 (the other cluster) writes the payload; the guest boots on core 0, caches off.
BootImageOutcome bootImageWith(ToolstackMode mode, std::uint64_t raceSpeculation = 0)
{
    GuestMachine g;
    const std::size_t vm = g.addGuest("boot-image", 0);
    Toolstack toolstack(g.machine, 2, raceSpeculation);
    const auto payload = buildBootPayload(60'000);
    toolstack.writeImage(vm, VCM_BOOT_PAYLOAD_IPA, payload, mode);
    const MachineRun run = g.machine.run(kBudget);
    EXPECT_TRUE(run.vcpus[0].exited) << run.vcpus[0].fault;
    return {run.vcpus[0].exitCode, run.vcpus[0].console, g.counts.staleReads};
}

TEST(BootImage, CachedWritesWithoutMaintenanceAreNotInRam)
{
    const BootImageOutcome o = bootImageWith(ToolstackMode::CachedNoMaintenance);
    EXPECT_EQ(o.exitCode, 1u) << o.console;
    EXPECT_GT(o.staleReads, 0u);
}

TEST(BootImage, CleanToPoUIsNotEnough)
{
    // Seed 000: "cacheflush syscall on ARM32 is calling DCCMVAU ... that is not enough".
    const BootImageOutcome o = bootImageWith(ToolstackMode::CachedCleanToPoU);
    EXPECT_EQ(o.exitCode, 1u) << o.console;
    EXPECT_GT(o.staleReads, 0u);
}

TEST(BootImage, CleanToPoCUncachedMappingAndHypervisorFlushAllWork)
{
    for (ToolstackMode mode : {ToolstackMode::CachedCleanToPoCThenUnmap, ToolstackMode::UncachedMapping,
                               ToolstackMode::UnmapThenHypervisorFlush}) {
        const BootImageOutcome o = bootImageWith(mode);
        EXPECT_EQ(o.exitCode, 0u) << toString(mode) << ": " << o.console;
        EXPECT_THAT(o.console, HasSubstr("PASS")) << toString(mode);
        EXPECT_EQ(o.staleReads, 0u) << toString(mode);
    }
}

TEST(BootImage, CleanToPoCThenUnmapLosesTheRaceWhenSpeculationRefillsLines)
{
    // Seed 001: "there is a race between the cache flush and the point where we tear down the mappings,
    // where the processor might speculatively pull some data into the cache".
    const BootImageOutcome o = bootImageWith(ToolstackMode::CachedCleanToPoCThenUnmap, /*fills per Mcycle*/ 20'000);
    EXPECT_EQ(o.exitCode, 1u) << o.console;
    EXPECT_THAT(o.console, HasSubstr("after changing it and turning caches on the data read back is stale"));
    EXPECT_GT(o.staleReads, 0u);
}

TEST(BootImage, ToolstackModeNamesRoundTrip)
{
    EXPECT_EQ(parseToolstackMode("cached-clean-to-pou"), ToolstackMode::CachedCleanToPoU);
    EXPECT_THROW(parseToolstackMode("flush-harder"), std::invalid_argument);
}

// Seed 003: the guest writes a buffer through a non-cacheable mapping; the host reads it through a
// cacheable one and sees lines it had cached before.
TEST(UncachedBuffer, HostCacheableReadSeesItsOldLinesNonCacheableReadSeesTheData)
{
    GuestMachine g;
    const std::size_t vm = g.addGuest("uncached-buffer", 0);
    Toolstack host(g.machine, 0);
    const std::uint64_t windowIpa = 0x40a0'0000;
    std::vector<std::uint8_t> before(4096);
    host.read(vm, windowIpa, before, memory::MemoryType::NormalWriteBack); // the host has the lines cached
    const MachineRun run = g.machine.run(kBudget);
    ASSERT_EQ(run.vcpus[0].exitCode, 0u) << run.vcpus[0].console << run.vcpus[0].fault;
    EXPECT_EQ(g.counts.staleReads, 0u) << "the guest's own non-cacheable reads are right";

    std::vector<std::uint8_t> cached(4096);
    host.read(vm, windowIpa, cached, memory::MemoryType::NormalWriteBack);
    EXPECT_GT(g.counts.staleReads, 0u) << "the host's cacheable read is stale";
    std::vector<std::uint8_t> uncached(4096);
    const std::uint64_t staleBefore = g.counts.staleReads;
    host.read(vm, windowIpa, uncached, memory::MemoryType::NormalNonCacheable);
    EXPECT_EQ(g.counts.staleReads, staleBefore);
    EXPECT_NE(cached, uncached);
}

// Set/way emulation and scheduling: a hostile guest beside a latency-sensitive one on the same core.
TEST(SetWayStorm, LatencyProbeWaitsWhileTheStormRunsBesideIt)
{
    auto probeGap = [](bool withStorm) {
        GuestMachine g;
        g.addGuest("latency-probe", 0, true);
        if (withStorm)
            g.addGuest("setway-storm", 0, true);
        const MachineRun run = g.machine.run(kBudget);
        EXPECT_TRUE(run.allExited);
        EXPECT_THAT(run.vcpus[0].console, HasSubstr("PASS"));
        return std::make_pair(capturedNumber(run.vcpus[0].console, "max gap between items (\\d+) CNTVCT"),
                              run.vcpus[0].maxSchedulingLatency);
    };
    const auto [aloneGap, aloneWait] = probeGap(false);
    const auto [stormGap, stormWait] = probeGap(true);
    ASSERT_GT(aloneGap, 0);
    EXPECT_GT(stormGap, 10 * aloneGap) << "the probe waits for whole slices of set/way work";
    EXPECT_EQ(aloneWait, 0u);
    EXPECT_GT(stormWait, 0u);
}

// Seed 004's osstest heisenbug: set/way maintenance interrupted by a migration leaves the lines written
// on the first core behind, even with no system cache.
TEST(SetWayMigrate, MigrationInTheMiddleOfTheLoopLosesData)
{
    MachineConfig config;
    config.topology.systemCache.sizeBytes = 0;
    config.forcedMigrationPercent = 50;
    config.seed = 1;
    GuestMachine g(config);
    g.addGuest("setway-migrate", 0);
    const MachineRun run = g.machine.run(kBudget);
    const VcpuSummary& v = run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_GT(v.migrations, 0u);
    EXPECT_EQ(v.exitCode, 1u) << v.console;
    const long long wrong = capturedNumber(v.console, "(\\d+) of 4096 words wrong");
    EXPECT_GT(wrong, 0);
    EXPECT_EQ(g.counts.staleReads, static_cast<std::uint64_t>(wrong));
}

TEST(SetWayMigrate, PinnedItPasses)
{
    MachineConfig config;
    config.topology.systemCache.sizeBytes = 0;
    config.forcedMigrationPercent = 50;
    GuestMachine g(config);
    g.addGuest("setway-migrate", 0, /*pinned*/ true);
    const MachineRun run = g.machine.run(kBudget);
    EXPECT_EQ(run.vcpus[0].migrations, 0u);
    EXPECT_EQ(run.vcpus[0].exitCode, 0u) << run.vcpus[0].console;
    EXPECT_EQ(g.counts.staleReads, 0u);
}

TEST(SetWayMigrate, ScriptedMigrationAtAMarkerMovesTheVcpu)
{
    MachineConfig config;
    config.topology.systemCache.sizeBytes = 0;
    config.migrations = {{"d1v0", "caches-on", 3}};
    GuestMachine g(config);
    g.addGuest("bootloader-setway", 0);
    const MachineRun run = g.machine.run(kBudget);
    EXPECT_EQ(run.vcpus[0].migrations, 1u);
    EXPECT_EQ(run.vcpus[0].coresVisited, (std::vector<memory::CoreId>{0, 3}));
}

} // namespace
} // namespace vcm::hyp

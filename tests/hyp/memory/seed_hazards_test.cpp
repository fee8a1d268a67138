// The hazards of the seed threads (../shared/seeds), each reproduced on the model and asserted from what
// the coherence oracle reported.
#include "memory_fixture.h"

#include "vcm/hyp/memory/id_registers.h"
#include "vcm/hyp/memory/set_way_operand.h"
#include "vcm/hyp/memory/speculation_engine.h"

#include <gtest/gtest.h>

#include <bit>

namespace vcm::hyp::memory::testing {
namespace {

constexpr PhysAddr kGuestRam = 0x8000'0000;
constexpr std::uint64_t kImageBytes = 4096;

// The toolstack (dom0 on core 0) writes a kernel image into guest RAM through a cacheable foreign
// mapping; the new guest (vCPU on core 2, cluster 1) starts with MMU and caches off, so its loads are
// Device-nGnRnE and go straight to RAM.
struct DomainBuild {
    MemoryHarness h;
    AgentId toolstack = h.agent(AgentKind::Toolstack, "dom0-builder", 0);
    AgentId guest = h.agent(AgentKind::Vcpu, "d1v0", 2);

    explicit DomainBuild(const MachineTopology& topology = {}) : h(topology) {}

    void writeImage()
    {
        for (PhysAddr a = 0; a < kImageBytes; a += 8)
            h.write64(toolstack, kGuestRam + a, 0xd503201f00000000 | a, kWB);
    }
    void cleanImage(ByAddressOp op)
    {
        for (PhysAddr a = 0; a < kImageBytes; a += 64)
            h.memory.maintainByAddress(toolstack, op, kGuestRam + a);
    }
    // The guest reads its image with caches off; returns how many words it saw correctly.
    std::uint64_t guestReadsImage()
    {
        std::uint64_t good = 0;
        for (PhysAddr a = 0; a < kImageBytes; a += 8)
            good += h.read64(guest, kGuestRam + a, kDevice) == (0xd503201f00000000 | a) ? 1u : 0u;
        return good;
    }
};

// Seed 000: the arm32 cacheflush syscall cleans to the PoU only (DCCMVAU). On Midway and X-Gene the
// data then sits beyond the PoU, where a non-cacheable reader cannot see it.
TEST(Seed000CleanToPoU, LeavesTheImageInL2AndTheGuestReadsStaleRam)
{
    DomainBuild run;
    run.writeImage();
    run.cleanImage(ByAddressOp::CleanToPoU);
    EXPECT_EQ(run.guestReadsImage(), 0u);
    ASSERT_EQ(run.h.listener.staleReads.size(), kImageBytes / 8);
    const StaleRead& first = run.h.listener.staleReads.front();
    EXPECT_EQ(first.agent, run.guest);
    EXPECT_TRUE(first.source.fromRam);
    EXPECT_EQ(first.latestWriter, run.toolstack);
    EXPECT_LT(first.versionReturned, first.latestVersion);
    ASSERT_TRUE(first.latestHeldIn.has_value());
    EXPECT_EQ(first.latestHeldIn->cache, (CacheLocation{CacheLevel::L2, 0})) << "DC CVAU stops at the cluster L2";
}

TEST(Seed000CleanToPoU, CleanToPoCInsteadLeavesNothingStale)
{
    DomainBuild run;
    run.writeImage();
    run.cleanImage(ByAddressOp::CleanInvalidateToPoC);
    EXPECT_EQ(run.guestReadsImage(), kImageBytes / 8);
    EXPECT_TRUE(run.h.listener.staleReads.empty());
}

TEST(Seed000CleanToPoU, WithoutAnyCleanALargeSystemCacheHoldsTheImage)
{
    // X-Gene's "very large L3": the toolstack goes on working after writing the image, its dirty lines
    // are evicted from L1 and L2 and come to rest in the system cache, which no set/way op reaches and
    // the guest's uncached loads do not look up.
    MachineTopology topology;
    topology.systemCache.sizeBytes = 32u << 20;
    DomainBuild run(topology);
    run.writeImage();
    for (PhysAddr a = 0; a < (2u << 20); a += 64) // 2 MiB of other work: four times the L2
        run.h.write64(run.toolstack, 0x1'0000'0000 + a, a, kWB);
    EXPECT_EQ(run.guestReadsImage(), 0u);
    ASSERT_FALSE(run.h.listener.staleReads.empty());
    for (const StaleRead& r : run.h.listener.staleReads) {
        ASSERT_TRUE(r.latestHeldIn.has_value());
        EXPECT_EQ(r.latestHeldIn->cache.level, CacheLevel::SystemCache);
    }
}

// Seed 001: "there is a race between the cache flush and the point where we tear down the mappings,
// where the processor might speculatively pull some data into the cache".
TEST(Seed001CleanThenUnmap, SpeculationRefillsTheLineAndShadowsLaterRamWrites)
{
    MemoryHarness h;
    const AgentId toolstack = h.agent(AgentKind::Toolstack, "dom0-builder", 0);
    const AgentId guest = h.agent(AgentKind::Vcpu, "d1v0", 0);
    SpeculationEngine speculation(h.memory, /*seed*/ 7, /*fills per million cycles*/ 1'000'000);
    const PhysAddr line = kGuestRam;
    const MappingId foreign = speculation.addCacheableMapping(0, line, 64, "dom0 foreign map of d1 page");

    h.write64(toolstack, line, 0x1111, kWB);
    h.memory.maintainByAddress(toolstack, ByAddressOp::CleanInvalidateToPoC, line); // clean to PoC ...
    EXPECT_TRUE(h.memory.copiesOf(line).empty());
    EXPECT_EQ(speculation.step(0, 10), 10u); // ... the mapping is still there: the core refills the line
    speculation.removeCacheableMapping(foreign); // ... then the toolstack unmaps
    EXPECT_FALSE(h.memory.copiesOf(line).empty());

    const Cycles writeTime = h.memory.coreTime(0);
    h.write64(guest, line, 0x2222, kDevice); // the guest, caches off, updates its data in RAM
    AccessResult r;
    EXPECT_EQ(h.read64(guest, line, kWB, &r), 0x1111u) << "caches on: the speculated line shadows RAM";
    ASSERT_EQ(h.listener.staleReads.size(), 1u);
    const StaleRead& stale = h.listener.staleReads[0];
    EXPECT_FALSE(stale.source.fromRam);
    EXPECT_EQ(stale.source.cache, (CacheLocation{CacheLevel::L1, 0}));
    EXPECT_EQ(stale.latestWriter, guest);
    EXPECT_EQ(stale.latestWrittenAt, writeTime) << "the write the read missed, at the time it was issued";
    EXPECT_LT(stale.latestWrittenAt, stale.time);
    ASSERT_TRUE(stale.latestHeldIn.has_value());
    EXPECT_TRUE(stale.latestHeldIn->fromRam);
}

// Seed 002: "when a guest enables its cache, whatever sits in the cache is suddenly going to become
// visible, shadowing whatever the guest has written into RAM".
class Seed002CachesOn : public ::testing::Test {
protected:
    MemoryHarness h;
    AgentId hyp = h.agent(AgentKind::Hypervisor, "hyp", 1);
    AgentId guest = h.agent(AgentKind::Vcpu, "d1v0", 1);

    void bootWithCachesOff()
    {
        // An older copy of the guest page is cached: the hypervisor's own cacheable map touched it.
        for (PhysAddr a = 0; a < 4096; a += 64)
            h.read64(hyp, kGuestRam + a, kWB);
        for (PhysAddr a = 0; a < 4096; a += 8)
            h.write64(guest, kGuestRam + a, 0xc0de0000 + a, kDevice); // MMU off: Device-nGnRnE
    }
    std::uint64_t readWithCachesOn()
    {
        std::uint64_t good = 0;
        for (PhysAddr a = 0; a < 4096; a += 8)
            good += h.read64(guest, kGuestRam + a, kWB) == 0xc0de0000 + a ? 1u : 0u;
        return good;
    }
};

TEST_F(Seed002CachesOn, WithoutInvalidateTheOldLinesShadowRam)
{
    bootWithCachesOff();
    EXPECT_EQ(readWithCachesOn(), 0u);
    ASSERT_EQ(h.listener.staleReads.size(), 512u);
    EXPECT_EQ(h.listener.staleReads[0].source.cache, (CacheLocation{CacheLevel::L1, 1}));
}

TEST_F(Seed002CachesOn, InvalidateAtCachesOnRemovesThem)
{
    bootWithCachesOff();
    // What KVM's "flush VM pages before letting the guest enable caches" does at the SCTLR trap.
    const MaintenanceResult r = h.memory.maintainRange(hyp, ByAddressOp::CleanInvalidateToPoC, kGuestRam, 4096);
    EXPECT_EQ(r.linesInvalidated, 128u) << "64 lines in L1 and in L2";
    EXPECT_EQ(readWithCachesOn(), 512u);
    EXPECT_TRUE(h.listener.staleReads.empty());
}

// Seed 004: set/way operations reach only the executing core's caches and never the system cache.
// The guest's set/way loop (the arithmetic of U-Boot's __asm_dcache_all), run on core 0.
MaintenanceResult cleanBySetWayLikeUBoot(MemorySystem& memory, AgentId agent)
{
    const MachineTopology& topology = memory.topology();
    const std::uint64_t clidr = clidrEl1(topology);
    const unsigned loc = static_cast<unsigned>((clidr >> 24) & 7);
    MaintenanceResult total;
    for (unsigned level = 0; level < loc; ++level) {
        const std::uint64_t ctype = (clidr >> (3 * level)) & 7;
        if (ctype < 2)
            continue;
        const std::uint64_t ccsidr = ccsidrEl1(topology, level << 1);
        const unsigned lineShift = static_cast<unsigned>(ccsidr & 7) + 4;
        const auto maxWay = static_cast<std::uint32_t>((ccsidr >> 3) & 0x3ff);
        const auto maxSet = static_cast<std::uint32_t>((ccsidr >> 13) & 0x7fff);
        const unsigned wayShift = static_cast<unsigned>(std::countl_zero(maxWay));
        for (std::uint32_t set = 0; set <= maxSet; ++set)
            for (std::uint32_t way = 0; way <= maxWay; ++way)
                total += memory.maintainBySetWay(agent, SetWayOp::CleanInvalidate,
                                                 (std::uint64_t{way} << wayShift) | (std::uint64_t{set} << lineShift) |
                                                     (level << 1));
    }
    return total;
}

class Seed004SetWay : public ::testing::Test {
protected:
    MemoryHarness h;
    AgentId vcpu0 = h.agent(AgentKind::Vcpu, "d1v0", 0);
    AgentId vcpu1 = h.agent(AgentKind::Vcpu, "d1v1", 1);
    AgentId device = h.agent(AgentKind::Device, "dma", std::nullopt);
    const PhysAddr onOtherCore = kGuestRam;         // dirty in core 1's L1
    const PhysAddr inSystemCache = kGuestRam + 4096; // dirty in the system cache

    void setUpDirtyData()
    {
        h.write64(vcpu1, onOtherCore, 0xaa, kWB);
        h.write64(vcpu0, inSystemCache, 0xbb, kWB);
        // Core 0 cleans its own L1 and L2 by set/way: the L2 pass pushes the line into the system cache.
        const MaintenanceResult r = cleanBySetWayLikeUBoot(h.memory, vcpu0);
        EXPECT_EQ(r.linesIssued, 128u * 4 + 512u * 16);
        EXPECT_EQ(r.linesCleaned, 2u) << "L1 -> L2, then L2 -> system cache";
        EXPECT_EQ(r.dirtyDiscarded, 0u);
    }
};

TEST_F(Seed004SetWay, LeavesOtherCoresAndTheSystemCacheDirty)
{
    setUpDirtyData();
    EXPECT_EQ(h.read64(device, onOtherCore, kNC), 0u);
    EXPECT_EQ(h.read64(device, inSystemCache, kNC), 0u);
    ASSERT_EQ(h.listener.staleReads.size(), 2u);
    EXPECT_EQ(h.listener.staleReads[0].latestHeldIn->cache, (CacheLocation{CacheLevel::L1, 1}));
    EXPECT_EQ(h.listener.staleReads[1].latestHeldIn->cache, (CacheLocation{CacheLevel::SystemCache, 0}));
}

TEST_F(Seed004SetWay, CleanByVaToPoCReachesBoth)
{
    setUpDirtyData();
    h.memory.maintainByAddress(vcpu0, ByAddressOp::CleanInvalidateToPoC, onOtherCore);
    h.memory.maintainByAddress(vcpu0, ByAddressOp::CleanInvalidateToPoC, inSystemCache);
    EXPECT_EQ(h.read64(device, onOtherCore, kNC), 0xaau);
    EXPECT_EQ(h.read64(device, inSystemCache, kNC), 0xbbu);
    EXPECT_TRUE(h.listener.staleReads.empty());
}

TEST(SetWayMaintenance, InvalidateDiscardsDirtyDataAndTheOracleNoticesTheLoss)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    h.write64(cpu, kGuestRam, 77, kWB);
    // DC ISW over every way of the line's L1 set (an empty or other way is harmless here).
    const auto set = static_cast<std::uint32_t>((kGuestRam >> 6) % h.memory.topology().l1.sets(64));
    const auto layout = SetWayFieldLayout::of(h.memory.topology().l1, 64);
    MaintenanceResult total;
    for (std::uint32_t way = 0; way < 4; ++way)
        total += h.memory.maintainBySetWay(cpu, SetWayOp::Invalidate, encodeSetWay({1, set, way}, layout));
    EXPECT_EQ(total.dirtyDiscarded, 1u);
    EXPECT_EQ(h.read64(cpu, kGuestRam, kWB), 0u);
    ASSERT_EQ(h.listener.staleReads.size(), 1u);
    EXPECT_FALSE(h.listener.staleReads[0].latestHeldIn.has_value()) << "the latest value exists nowhere";
}

TEST(SetWayMaintenance, OutOfRangeOperandDoesNothingAndSaysSo)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    h.write64(cpu, kGuestRam, 1, kWB);
    const MaintenanceResult r = h.memory.maintainBySetWay(cpu, SetWayOp::CleanInvalidate, /*level 3*/ 0b100);
    EXPECT_TRUE(r.outOfRange);
    EXPECT_EQ(h.dirtyCopies(kGuestRam), 1);
}

// A dirty write-back that destroys a newer non-cacheable write: the lost-write hazard.
TEST(Clobber, DirtyEvictionAfterANewerNonCacheableWriteIsReported)
{
    MachineTopology small;
    small.clusters = 1;
    small.coresPerCluster = 1;
    small.l1 = {1024, 2, ReplacementKind::Lru};  // 8 sets
    small.l2 = {2048, 2, ReplacementKind::Lru};  // 16 sets
    small.systemCache.sizeBytes = 0;
    MemoryHarness h(small);
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    const AgentId dev = h.agent(AgentKind::Device, "dma", std::nullopt);
    h.write64(cpu, kGuestRam, 1, kWB);          // word 0 dirty in L1
    h.memory.setSystemTime(h.memory.coreTime(0) + 500); // the device writes on the system clock
    const Cycles deviceWrite = h.memory.systemTime();
    h.write64(dev, kGuestRam + 8, 2, kNC);      // word 1 newer in RAM
    for (PhysAddr k = 1; k <= 4; ++k)           // same L1 and L2 set: evict the line to RAM
        h.read64(cpu, kGuestRam + k * 16 * 64, kWB);
    EXPECT_TRUE(h.memory.copiesOf(kGuestRam).empty());
    ASSERT_EQ(h.listener.clobbers.size(), 1u);
    const Clobber& c = h.listener.clobbers[0];
    EXPECT_EQ(c.address, kGuestRam + 8);
    EXPECT_EQ(c.clobberedWords, 1u);
    EXPECT_EQ(c.origin, (CacheLocation{CacheLevel::L2, 0}));
    EXPECT_EQ(c.overwrittenWrite, (WriteOrigin{dev, deviceWrite})) << "the lost write: who and when";
    EXPECT_LT(c.lineVersion, c.overwrittenVersion);
    EXPECT_NE(c.cause.find("eviction"), std::string::npos) << c.cause;
    EXPECT_EQ(h.read64(dev, kGuestRam + 8, kNC), 0u) << "the device's data is gone";
    EXPECT_EQ(h.listener.staleReads.size(), 1u);
}

// A full-guest flush by VA over 64 GiB of sparse RAM with 1,000 lines cached.
TEST(RangeMaintenance, SixtyFourGiBCleanCostsEveryLineButVisitsOnlyCachedOnes)
{
    MemoryHarness h;
    const AgentId hyp = h.agent(AgentKind::Hypervisor, "hyp", 0);
    constexpr std::uint64_t kRange = std::uint64_t{64} << 30;
    for (std::uint64_t i = 0; i < 1000; ++i)
        h.write64(hyp, i * (std::uint64_t{64} << 20) + i * 64, i + 1, kWB);
    const std::uint64_t cachedBefore = h.memory.cachedLines();
    const std::uint64_t writtenBackByEviction = h.memory.touchedRamPages(); // one line per page
    const MaintenanceResult r = h.memory.maintainRange(hyp, ByAddressOp::CleanToPoC, 0, kRange);
    EXPECT_EQ(r.linesIssued, kRange / 64);
    const std::uint64_t dirtyInCaches = r.linesCleaned;
    EXPECT_EQ(r.cost, (kRange / 64) * h.memory.costs().maintenancePerLine +
                          dirtyInCaches * h.memory.costs().dirtyWriteBack);
    EXPECT_EQ(h.memory.cachedLines(), cachedBefore) << "a clean keeps the lines";
    for (std::uint64_t i = 0; i < 1000; ++i) {
        const PhysAddr a = i * (std::uint64_t{64} << 20) + i * 64;
        ASSERT_EQ(h.memory.ramWord(a).value, i + 1) << "RAM holds every line after the clean";
    }
    EXPECT_EQ(dirtyInCaches, 1000u - writtenBackByEviction);
}

} // namespace
} // namespace vcm::hyp::memory::testing

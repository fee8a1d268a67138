// Basic behaviour of the memory system: data, coherence among cores, bypassing accesses, costs.
#include "memory_fixture.h"

#include <gtest/gtest.h>

namespace vcm::hyp::memory::testing {
namespace {

constexpr PhysAddr kBase = 0x4000'0000;

TEST(MemorySystem, WriteThenReadOnTheSameCoreHitsL1)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "d1v0", 0);
    h.write64(cpu, kBase, 0x1122334455667788, kWB);
    AccessResult r;
    EXPECT_EQ(h.read64(cpu, kBase, kWB, &r), 0x1122334455667788u);
    EXPECT_FALSE(r.source.fromRam);
    EXPECT_EQ(r.source.cache, (CacheLocation{CacheLevel::L1, 0}));
    EXPECT_EQ(r.cost, h.memory.costs().l1Hit);
    EXPECT_FALSE(r.stale);
    EXPECT_TRUE(h.listener.staleReads.empty());
}

TEST(MemorySystem, ReadFromAnotherClusterIsServedByTheDirtyOwner)
{
    MemoryHarness h;
    const AgentId writer = h.agent(AgentKind::Vcpu, "writer", 0);
    const AgentId reader = h.agent(AgentKind::Vcpu, "reader", 3); // cluster 1
    h.write64(writer, kBase, 42, kWB);
    AccessResult r;
    EXPECT_EQ(h.read64(reader, kBase, kWB, &r), 42u);
    EXPECT_EQ(r.source.cache, (CacheLocation{CacheLevel::L1, 0}));
    EXPECT_EQ(r.cost, h.memory.costs().remoteCacheHit);
    EXPECT_EQ(h.dirtyCopies(kBase), 1) << "the owner keeps the line dirty; the reader gets a clean copy";

    h.write64(reader, kBase, 43, kWB);
    EXPECT_EQ(h.dirtyCopies(kBase), 1) << "a write takes ownership";
    for (const LineCopy& copy : h.memory.copiesOf(kBase))
        EXPECT_NE(copy.where, (CacheLocation{CacheLevel::L1, 0})) << "the old owner's copy was invalidated";
    EXPECT_EQ(h.read64(writer, kBase, kWB), 43u);
    EXPECT_TRUE(h.listener.staleReads.empty());
}

TEST(MemorySystem, NonCacheableAccessesBypassCaches)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 1);
    h.write64(cpu, kBase, 7, kNC);
    EXPECT_TRUE(h.memory.copiesOf(kBase).empty());
    EXPECT_EQ(h.memory.ramWord(kBase).value, 7u);
    AccessResult r;
    EXPECT_EQ(h.read64(cpu, kBase, kDevice, &r), 7u);
    EXPECT_TRUE(r.source.fromRam);
    EXPECT_EQ(r.cost, h.memory.costs().ram);
    EXPECT_EQ(h.memory.coreTime(1), 2 * h.memory.costs().ram) << "each access charges its core";
}

TEST(MemorySystem, EqualValuesDoNotHideStaleness)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    const AgentId dev = h.agent(AgentKind::Device, "dma", std::nullopt);
    h.write64(cpu, kBase, 5, kNC);   // RAM: 5
    h.write64(cpu, kBase, 5, kWB);   // cached: the same value, a newer version
    AccessResult r;
    EXPECT_EQ(h.read64(dev, kBase, kNC, &r), 5u);
    EXPECT_TRUE(r.stale) << "the value is equal but the version is older";
    ASSERT_EQ(h.listener.staleReads.size(), 1u);
    EXPECT_FALSE(h.listener.staleReads[0].core.has_value()) << "a device has no core";
}

TEST(MemorySystem, AccessesSpanningLinesAreSplit)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    std::uint8_t bytes[100];
    for (int i = 0; i < 100; ++i)
        bytes[i] = static_cast<std::uint8_t>(i + 1);
    h.memory.write(cpu, kBase + 60, bytes, kWB); // lines 0, 1 and 2
    EXPECT_EQ(h.memory.copiesOf(kBase).size(), 2u) << "L1 and L2";
    EXPECT_EQ(h.memory.copiesOf(kBase + 128).size(), 2u);
    std::uint8_t back[100] = {};
    h.memory.read(cpu, kBase + 60, back, kWB);
    EXPECT_EQ(std::memcmp(bytes, back, 100), 0);
}

TEST(MemorySystem, PartialWordWriteOverStaleCopyStaysStale)
{
    // A cached word older than RAM, then a 4-byte cacheable write to half of it: the other half is
    // still old, so the word must not be reported as up to date.
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    const AgentId dev = h.agent(AgentKind::Device, "dma", std::nullopt);
    h.read64(cpu, kBase, kWB);                     // clean copy of version 0
    h.write64(dev, kBase, 0xaaaaaaaabbbbbbbb, kNC); // RAM newer
    const std::uint32_t half = 0x11111111;
    h.memory.write(cpu, kBase, std::span(reinterpret_cast<const std::uint8_t*>(&half), 4), kWB);
    AccessResult r;
    EXPECT_EQ(h.read64(cpu, kBase, kWB, &r), 0x0000000011111111u);
    EXPECT_TRUE(r.stale);
    EXPECT_EQ(h.memory.latestWord(kBase).value, 0xaaaaaaaa11111111u) << "the oracle merges the bytes";
}

TEST(MemorySystem, WriteThroughUpdatesHittingLineAndRam)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    const AgentId dev = h.agent(AgentKind::Device, "dma", std::nullopt);
    h.write64(cpu, kBase, 1, MemoryType::NormalWriteThrough);
    EXPECT_TRUE(h.memory.copiesOf(kBase).empty()) << "no allocation on a write-through miss";
    h.read64(cpu, kBase, kWB);
    h.write64(cpu, kBase, 2, MemoryType::NormalWriteThrough);
    EXPECT_EQ(h.dirtyCopies(kBase), 0);
    EXPECT_EQ(h.read64(cpu, kBase, kWB), 2u);
    EXPECT_EQ(h.read64(dev, kBase, kNC), 2u);
    EXPECT_TRUE(h.listener.staleReads.empty());
}

TEST(MemorySystem, RamIsSparse)
{
    MemoryHarness h;
    const AgentId cpu = h.agent(AgentKind::Vcpu, "cpu", 0);
    const PhysAddr far = PhysAddr{63} << 30; // 63 GiB
    h.write64(cpu, far, 9, kNC);
    h.write64(cpu, kBase, 9, kNC);
    EXPECT_EQ(h.memory.touchedRamPages(), 2u);
    EXPECT_EQ(h.read64(cpu, far + 4096, kNC), 0u) << "untouched RAM reads as zero";
}

TEST(MemorySystem, InvalidTopologyNamesTheField)
{
    MachineTopology topology;
    topology.l2.ways = 0;
    try {
        MemorySystem memory(topology);
        FAIL() << "expected GeometryError";
    } catch (const GeometryError& e) {
        EXPECT_NE(std::string(e.what()).find("l2"), std::string::npos) << e.what();
    }
}

TEST(MemorySystem, UnknownAgentIsAnError)
{
    MemoryHarness h;
    std::uint8_t byte = 0;
    EXPECT_THROW(h.memory.read(99, kBase, std::span(&byte, 1), kWB), std::out_of_range);
}

} // namespace
} // namespace vcm::hyp::memory::testing

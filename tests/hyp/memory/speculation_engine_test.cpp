// The speculation engine fills only mapped-cacheable lines, at the configured rate, deterministically.
#include "memory_fixture.h"

#include "vcm/hyp/memory/speculation_engine.h"

#include <gtest/gtest.h>

#include <set>

namespace vcm::hyp::memory::testing {
namespace {

constexpr PhysAddr kBase = 0x8000'0000;
constexpr std::uint64_t kMapped = 1u << 20;

std::set<PhysAddr> linesCachedOnCore(const MemorySystem& memory, CoreId core, PhysAddr base, std::uint64_t length)
{
    std::set<PhysAddr> lines;
    for (PhysAddr a = base; a < base + length; a += 64)
        for (const LineCopy& c : memory.copiesOf(a))
            if (c.where == CacheLocation{CacheLevel::L1, core})
                lines.insert(a);
    return lines;
}

std::set<PhysAddr> runSpeculation(std::uint64_t seed)
{
    MemorySystem memory{MachineTopology{}};
    SpeculationEngine engine(memory, seed, /*fills per million cycles*/ 1000);
    engine.addCacheableMapping(2, kBase, kMapped, "d1 guest RAM, caches on");
    EXPECT_EQ(engine.step(2, 100'000), 100u);
    return linesCachedOnCore(memory, 2, kBase, kMapped);
}

TEST(SpeculationEngine, SameSeedSameFillsOtherSeedOtherFills)
{
    const auto a = runSpeculation(1);
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, runSpeculation(1));
    EXPECT_NE(a, runSpeculation(2));
}

TEST(SpeculationEngine, FillsOnlyMappedLinesOnTheMappedCore)
{
    MemorySystem memory{MachineTopology{}};
    SpeculationEngine engine(memory, 3, 1'000'000);
    engine.addCacheableMapping(1, kBase, 8 * 64, "hyp map");
    engine.step(1, 200);
    EXPECT_EQ(linesCachedOnCore(memory, 1, kBase, 8 * 64).size(), 8u) << "200 fills cover all 8 lines";
    EXPECT_TRUE(linesCachedOnCore(memory, 1, kBase + 8 * 64, 4096).empty()) << "nothing outside the mapping";
    EXPECT_TRUE(linesCachedOnCore(memory, 0, kBase, 8 * 64).empty()) << "nothing on another core";
    EXPECT_EQ(engine.step(0, 1000), 0u) << "core 0 has no mapping";
}

TEST(SpeculationEngine, RateAccumulatesFractionsOfAFill)
{
    MemorySystem memory{MachineTopology{}};
    SpeculationEngine engine(memory, 3, 250); // one fill per 4000 cycles
    engine.addCacheableMapping(std::nullopt, kBase, kMapped, "all cores");
    std::uint64_t fills = 0;
    for (int i = 0; i < 40; ++i)
        fills += engine.step(0, 1000);
    EXPECT_EQ(fills, 10u);
}

TEST(SpeculationEngine, RemovedMappingIsNoLongerFilled)
{
    MemorySystem memory{MachineTopology{}};
    SpeculationEngine engine(memory, 3, 1'000'000);
    const MappingId id = engine.addCacheableMapping(0, kBase, 64, "foreign map");
    engine.removeCacheableMapping(id);
    EXPECT_EQ(engine.step(0, 100), 0u);
    EXPECT_TRUE(memory.copiesOf(kBase).empty());
}

} // namespace
} // namespace vcm::hyp::memory::testing

// Randomised sequences of coherent operations must never lose data: with only Normal write-back accesses,
// cleans (by VA or set/way), speculation and migration, no read is stale, no write-back clobbers, at most
// one cache holds a line dirty, and every line ends with the oracle's latest value.
#include "memory_fixture.h"

#include "vcm/hyp/memory/set_way_operand.h"

#include <gtest/gtest.h>

#include <random>

namespace vcm::hyp::memory::testing {
namespace {

constexpr PhysAddr kBase = 0x8000'0000;

MachineTopology smallMachine(ReplacementKind replacement)
{
    MachineTopology t;
    t.l1 = {1024, 2, replacement};   // 8 sets: constant evictions
    t.l2 = {4096, 4, replacement};   // 16 sets
    t.systemCache = {8192, 4, replacement};
    return t;
}

void runRandomCoherentSequence(ReplacementKind replacement, std::uint64_t seed)
{
    MemoryHarness h(smallMachine(replacement));
    std::mt19937_64 rng(seed);
    std::vector<AgentId> cpus;
    for (CoreId c = 0; c < 4; ++c)
        cpus.push_back(h.agent(AgentKind::Vcpu, "cpu", c));
    constexpr std::uint64_t kLines = 96; // more than all caches of one path hold
    auto randomAddress = [&] { return kBase + (rng() % kLines) * 64 + (rng() % 8) * 8; };

    for (int step = 0; step < 20000; ++step) {
        const AgentId who = cpus[rng() % cpus.size()];
        switch (rng() % 10) {
        case 0:
        case 1:
        case 2:
            h.write64(who, randomAddress(), rng(), kWB);
            break;
        case 3:
        case 4:
        case 5: {
            const PhysAddr a = randomAddress();
            ASSERT_EQ(h.read64(who, a, kWB), h.memory.latestWord(a).value) << "step " << step;
            break;
        }
        case 6: {
            static constexpr ByAddressOp kCleans[] = {ByAddressOp::CleanToPoC, ByAddressOp::CleanInvalidateToPoC,
                                                      ByAddressOp::CleanToPoU};
            h.memory.maintainByAddress(who, kCleans[rng() % 3], randomAddress());
            break;
        }
        case 7: {
            const unsigned level = 1 + static_cast<unsigned>(rng() % 2);
            const CacheGeometry g = level == 1 ? h.memory.topology().l1 : h.memory.topology().l2;
            const SetWayOperand op{level, static_cast<std::uint32_t>(rng() % g.sets(64)),
                                   static_cast<std::uint32_t>(rng() % g.ways)};
            h.memory.maintainBySetWay(who, rng() % 2 ? SetWayOp::Clean : SetWayOp::CleanInvalidate,
                                      encodeSetWay(op, SetWayFieldLayout::of(g, 64)));
            break;
        }
        case 8:
            h.memory.speculativeFill(static_cast<CoreId>(rng() % 4), randomAddress());
            break;
        case 9:
            h.memory.moveAgent(who, static_cast<CoreId>(rng() % 4));
            break;
        }
        if (step % 97 == 0) {
            for (std::uint64_t line = 0; line < kLines; ++line) {
                ASSERT_LE(h.dirtyCopies(kBase + line * 64), 1) << "step " << step << " line " << line;
            }
        }
    }
    EXPECT_TRUE(h.listener.staleReads.empty());
    EXPECT_TRUE(h.listener.clobbers.empty());
    // Flush everything and check RAM holds exactly the latest values.
    h.memory.maintainRange(cpus[0], ByAddressOp::CleanInvalidateToPoC, kBase, kLines * 64);
    EXPECT_EQ(h.memory.cachedLines(), 0u);
    for (std::uint64_t w = 0; w < kLines * 8; ++w) {
        const PhysAddr a = kBase + w * 8;
        ASSERT_EQ(h.memory.ramWord(a).version, h.memory.latestWord(a).version) << std::hex << a;
    }
}

TEST(CoherenceProperty, LruNeverLosesData)
{
    runRandomCoherentSequence(ReplacementKind::Lru, 1);
    runRandomCoherentSequence(ReplacementKind::Lru, 2);
}

TEST(CoherenceProperty, RandomReplacementNeverLosesData)
{
    runRandomCoherentSequence(ReplacementKind::Random, 3);
    runRandomCoherentSequence(ReplacementKind::Random, 4);
}

} // namespace
} // namespace vcm::hyp::memory::testing

// DC xSW operands: the Arm ARM layout, round trips for awkward geometries, and the loop guests compute.
#include "vcm/hyp/memory/id_registers.h"
#include "vcm/hyp/memory/set_way_operand.h"

#include <gtest/gtest.h>

#include <bit>
#include <set>

namespace vcm::hyp::memory {
namespace {

MachineTopology awkwardTopology()
{
    MachineTopology topology;
    topology.l1 = {(64u * 3) * 100, 3, ReplacementKind::Lru}; // 3 ways x 100 sets
    topology.l2 = {(64u * 12) * 384, 12, ReplacementKind::Lru}; // 12 ways x 384 sets
    return topology;
}

TEST(SetWayOperand, FieldLayoutFollowsTheArmArm)
{
    const MachineTopology topology; // L1: 4 ways, 128 sets; L2: 16 ways, 512 sets
    const auto l1 = SetWayFieldLayout::of(topology.l1, 64);
    EXPECT_EQ(l1.wayShift, 30u) << "A = log2(4) = 2, way in bits [31:30]";
    EXPECT_EQ(l1.setShift, 6u) << "L = log2(64)";
    EXPECT_EQ(l1.setBits, 7u);
    // Level 2, set 5, way 9 of the L2: 9 << 28 | 5 << 6 | (2 - 1) << 1
    EXPECT_EQ(encodeSetWay({2, 5, 9}, SetWayFieldLayout::of(topology.l2, 64)), (9ull << 28) | (5u << 6) | 2u);
}

TEST(SetWayOperand, RoundTripsEverySetAndWayOfNonPowerOfTwoCaches)
{
    const MachineTopology topology = awkwardTopology();
    for (unsigned level : {1u, 2u}) {
        const CacheGeometry geometry = *setWayLevelGeometry(topology, level);
        const auto layout = SetWayFieldLayout::of(geometry, topology.lineBytes);
        std::set<std::uint64_t> seen;
        for (std::uint32_t set = 0; set < geometry.sets(64); ++set)
            for (std::uint32_t way = 0; way < geometry.ways; ++way) {
                const std::uint64_t raw = encodeSetWay({level, set, way}, layout);
                const DecodedSetWay decoded = decodeSetWay(raw, topology);
                ASSERT_TRUE(decoded.inRange) << "level " << level << " set " << set << " way " << way;
                ASSERT_EQ(decoded.operand, (SetWayOperand{level, set, way}));
                seen.insert(raw);
            }
        EXPECT_EQ(seen.size(), std::size_t{geometry.sets(64)} * geometry.ways) << "operands are distinct";
    }
}

TEST(SetWayOperand, EncodableButAbsentSetsAndWaysAreOutOfRange)
{
    const MachineTopology topology = awkwardTopology();
    const auto layout = SetWayFieldLayout::of(topology.l1, 64);
    // 3 ways need 2 bits, so way 3 is encodable; 100 sets need 7 bits, so set 100..127 are encodable.
    EXPECT_FALSE(decodeSetWay(encodeSetWay({1, 0, 3}, layout), topology).inRange);
    EXPECT_FALSE(decodeSetWay(encodeSetWay({1, 100, 0}, layout), topology).inRange);
    EXPECT_FALSE(decodeSetWay(encodeSetWay({3, 0, 0}, layout), topology).inRange) << "level 3 is not described";
}

// The operand arithmetic of Linux v7_flush_dcache_all, U-Boot __asm_dcache_level and the Arm ARM example
// (policies.md 4.3): way << clz(ways - 1), set << (LineSize + 4), level << 1, read from CCSIDR_EL1.
TEST(SetWayOperand, GuestLoopArithmeticFromCcsidrDecodesToEverySlot)
{
    const MachineTopology topology = awkwardTopology();
    const std::uint64_t clidr = clidrEl1(topology);
    const unsigned loc = static_cast<unsigned>((clidr >> 24) & 7);
    std::uint64_t slots = 0;
    for (unsigned level = 0; level < loc; ++level) {
        const std::uint64_t ccsidr = ccsidrEl1(topology, level << 1);
        const unsigned lineShift = static_cast<unsigned>(ccsidr & 7) + 4;
        const auto maxWay = static_cast<std::uint32_t>((ccsidr >> 3) & 0x3ff);
        const auto maxSet = static_cast<std::uint32_t>((ccsidr >> 13) & 0x7fff);
        const unsigned wayShift = maxWay == 0 ? 32 : static_cast<unsigned>(std::countl_zero(maxWay));
        for (std::uint32_t set = 0; set <= maxSet; ++set)
            for (std::uint32_t way = 0; way <= maxWay; ++way) {
                const std::uint64_t raw = (std::uint64_t{way} << wayShift) | (std::uint64_t{set} << lineShift) |
                                          (level << 1);
                const DecodedSetWay decoded = decodeSetWay(raw & 0xffffffffu, topology);
                ASSERT_TRUE(decoded.inRange);
                ASSERT_EQ(decoded.operand, (SetWayOperand{level + 1, set, way}));
                ++slots;
            }
    }
    EXPECT_EQ(slots, 3u * 100 + 12u * 384);
}

} // namespace
} // namespace vcm::hyp::memory

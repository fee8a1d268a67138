// CLIDR_EL1, CCSIDR_EL1 and CTR_EL0 are derived field by field from the configured geometry.
#include "vcm/hyp/memory/id_registers.h"

#include <gtest/gtest.h>

namespace vcm::hyp::memory {
namespace {

std::uint64_t field(std::uint64_t value, unsigned lsb, unsigned width)
{
    return (value >> lsb) & ((std::uint64_t{1} << width) - 1);
}

TEST(IdRegisters, ClidrDescribesL1DataAndL2UnifiedButNotTheSystemCache)
{
    const std::uint64_t clidr = clidrEl1(MachineTopology{});
    EXPECT_EQ(field(clidr, 0, 3), 0b010u) << "Ctype1: data cache only";
    EXPECT_EQ(field(clidr, 3, 3), 0b100u) << "Ctype2: unified";
    EXPECT_EQ(field(clidr, 6, 3), 0u) << "Ctype3: the system cache is never described";
    EXPECT_EQ(field(clidr, 21, 3), 1u) << "LoUIS";
    EXPECT_EQ(field(clidr, 24, 3), 2u) << "LoC";
    EXPECT_EQ(field(clidr, 27, 3), 1u) << "LoUU";
    EXPECT_EQ(field(clidr, 30, 3), 0u) << "ICB";
}

TEST(IdRegisters, CcsidrFieldsMatchEachLevel)
{
    MachineTopology topology;
    topology.l1 = {48u << 10, 3, ReplacementKind::Lru};   // 256 sets, 3 ways: non-power-of-two ways
    topology.l2 = {1536u << 10, 12, ReplacementKind::Lru}; // 2048 sets, 12 ways
    const std::uint64_t l1 = ccsidrEl1(topology, /*CSSELR: level 1, data*/ 0b000);
    EXPECT_EQ(field(l1, 0, 3), 2u) << "LineSize = log2(64) - 4";
    EXPECT_EQ(field(l1, 3, 10), 2u) << "Associativity = ways - 1";
    EXPECT_EQ(field(l1, 13, 15), 255u) << "NumSets = sets - 1";
    const std::uint64_t l2 = ccsidrEl1(topology, /*level 2*/ 0b010);
    EXPECT_EQ(field(l2, 0, 3), 2u);
    EXPECT_EQ(field(l2, 3, 10), 11u);
    EXPECT_EQ(field(l2, 13, 15), 2047u);
}

TEST(IdRegisters, CcsidrOfNonPowerOfTwoSets)
{
    MachineTopology topology;
    topology.l2 = {(24u << 10) * 10, 10, ReplacementKind::Lru}; // 240 KiB, 10 ways -> 384 sets
    EXPECT_EQ(field(ccsidrEl1(topology, 0b010), 13, 15), 383u);
}

TEST(IdRegisters, CcsidrOfUndescribedSelectionIsZero)
{
    const MachineTopology topology;
    EXPECT_EQ(ccsidrEl1(topology, 0b001), 0u) << "instruction cache: not modelled";
    EXPECT_EQ(ccsidrEl1(topology, 0b100), 0u) << "level 3 = the system cache: not in CLIDR";
}

TEST(IdRegisters, CtrEl0ReportsLineSizes)
{
    MachineTopology topology;
    EXPECT_EQ(ctrEl0(topology), 0x8444c004u) << "64-byte lines, PIPT, as on Cortex-A72";
    topology.lineBytes = 128;
    topology.l1.sizeBytes = 64u << 10;
    const std::uint64_t ctr = ctrEl0(topology);
    EXPECT_EQ(field(ctr, 16, 4), 5u) << "DminLine = log2(128 / 4)";
    EXPECT_EQ(field(ctr, 0, 4), 5u) << "IminLine";
    EXPECT_EQ(field(ctr, 24, 4), 5u) << "CWG";
}

} // namespace
} // namespace vcm::hyp::memory

// Stage-1 memory types, stage combination, and the stage-1 walk over tables held in a map.
#include "vcm/hyp/cpu/system_instruction.h"
#include "vcm/hyp/cpu/translation.h"

#include <gtest/gtest.h>

#include <map>

namespace vcm::hyp::cpu {
namespace {

TEST(Translation, MairAttributesDecodeByInnerCacheability)
{
    EXPECT_EQ(decodeMairAttribute(0x00), MemoryType::Device);      // Device-nGnRnE
    EXPECT_EQ(decodeMairAttribute(0x04), MemoryType::Device);      // Device-nGnRE
    EXPECT_EQ(decodeMairAttribute(0xff), MemoryType::NormalWriteBack);
    EXPECT_EQ(decodeMairAttribute(0x44), MemoryType::NormalNonCacheable);
    EXPECT_EQ(decodeMairAttribute(0xbb), MemoryType::NormalWriteThrough); // seed 003's WT/RA/WA
    EXPECT_EQ(decodeMairAttribute(0x4f), MemoryType::NormalWriteBack) << "inner WB, outer NC";
}

TEST(Translation, MmuOffIsDeviceUnlessHcrDc)
{
    EXPECT_EQ(stage1DataType(sctlr::kReset, false, 0xff), MemoryType::Device);
    EXPECT_EQ(stage1DataType(sctlr::kReset, true, 0xff), MemoryType::NormalWriteBack);
    EXPECT_EQ(stage1DataType(sctlr::kReset | sctlr::kM, false, 0xff), MemoryType::NormalNonCacheable)
        << "MMU on, SCTLR.C clear: Normal memory is non-cacheable";
    EXPECT_EQ(stage1DataType(sctlr::kReset | sctlr::kM | sctlr::kC, false, 0xff), MemoryType::NormalWriteBack);
    EXPECT_EQ(stage1DataType(sctlr::kReset | sctlr::kM | sctlr::kC, false, 0x00), MemoryType::Device);
}

TEST(Translation, StagesCombineAndFwbForcesWriteBack)
{
    EXPECT_EQ(combineStages(MemoryType::Device, Stage2MemoryKind::Ram, false), MemoryType::Device);
    EXPECT_EQ(combineStages(MemoryType::NormalWriteBack, Stage2MemoryKind::Mmio, false), MemoryType::Device);
    EXPECT_EQ(combineStages(MemoryType::Device, Stage2MemoryKind::Ram, true), MemoryType::NormalWriteBack);
    EXPECT_EQ(combineStages(MemoryType::NormalNonCacheable, Stage2MemoryKind::Ram, true), MemoryType::NormalWriteBack);
}

class Stage1WalkTest : public ::testing::Test {
protected:
    std::map<std::uint64_t, std::uint64_t> memory; // IPA -> descriptor
    Stage1Registers regs;

    void SetUp() override
    {
        regs.sctlr = sctlr::kReset | sctlr::kM | sctlr::kC;
        regs.tcr = 25 | (1u << 23); // T0SZ = 25: start at level 1; EPD1
        regs.ttbr0 = 0x4000'1000;
        regs.mair = 0xff | (0x00 << 8);
    }
    Stage1Walk walk(std::uint64_t va)
    {
        return walkStage1(regs, va, [&](std::uint64_t ipa) { return memory.count(ipa) ? memory[ipa] : 0; });
    }
};

TEST_F(Stage1WalkTest, OneGibBlockIdentity)
{
    memory[0x4000'1000 + 1 * 8] = 0x4000'0000 | 1 | (1u << 10) | (0u << 2);
    const Stage1Walk w = walk(0x4123'4567);
    ASSERT_TRUE(w.result) << w.fault->reason;
    EXPECT_EQ(w.result->ipa, 0x4123'4567u);
    EXPECT_EQ(w.result->mairAttr, 0xff);
}

TEST_F(Stage1WalkTest, PageThroughThreeLevelsToANonIdentityAddress)
{
    memory[0x4000'1000 + 1 * 8] = 0x4000'2000 | 3;                 // level 1 -> table
    memory[0x4000'2000 + 1 * 8] = 0x4000'3000 | 3;                 // level 2 (VA bits 29:21 = 1) -> table
    memory[0x4000'3000 + 8 * 8] = 0x4000'8000 | 3 | (1u << 10) | (1u << 2); // level 3 page, AF, AttrIndx 1
    const Stage1Walk w = walk(0x4020'8010);                        // VA 1 GiB + 2 MiB + 8 pages + 0x10
    ASSERT_TRUE(w.result) << w.fault->reason;
    EXPECT_EQ(w.result->ipa, 0x4000'8010u);
    EXPECT_EQ(w.result->mairAttr, 0x00) << "AttrIndx 1 selects MAIR byte 1";
    EXPECT_EQ(w.result->level, 3u);
    EXPECT_TRUE(w.result->writable);
}

// AF clear: an access flag fault at the leaf's level (no hardware access flag management on the modelled
// cores); AP[2] or an APTable[1] above: readable, not writable.
TEST_F(Stage1WalkTest, AccessFlagAndWritePermission)
{
    memory[0x4000'1000 + 1 * 8] = 0x4000'2000 | 3;
    memory[0x4000'2000 + 0 * 8] = 0x4000'0000 | 1;                             // 2 MiB block, AF clear
    memory[0x4000'2000 + 1 * 8] = 0x4020'0000 | 1 | (1u << 10) | (1u << 7);    // AP[2]: read-only
    memory[0x4000'2000 + 2 * 8] = 0x4000'3000 | 3 | (std::uint64_t{1} << 62); // APTable[1] on a table
    memory[0x4000'3000 + 0 * 8] = 0x4040'0000 | 3 | (1u << 10);
    const Stage1Walk old = walk(0x4000'1000);
    ASSERT_TRUE(old.fault);
    EXPECT_EQ(old.fault->kind, Stage1FaultKind::AccessFlag);
    EXPECT_EQ(old.fault->level, 2u);
    const Stage1Walk readOnly = walk(0x4020'1000);
    ASSERT_TRUE(readOnly.result);
    EXPECT_FALSE(readOnly.result->writable);
    EXPECT_EQ(readOnly.result->level, 2u);
    const Stage1Walk below = walk(0x4040'0000);
    ASSERT_TRUE(below.result);
    EXPECT_FALSE(below.result->writable) << "hierarchical: APTable[1] above the page";
}

TEST_F(Stage1WalkTest, InvalidDescriptorFaultsAtItsLevel)
{
    memory[0x4000'1000 + 1 * 8] = 0x4000'2000 | 3;
    const Stage1Walk w = walk(0x4000'0000);
    ASSERT_TRUE(w.fault);
    EXPECT_EQ(w.fault->level, 2u);
}

TEST_F(Stage1WalkTest, AddressOutsideTheInputRangeFaults)
{
    const Stage1Walk w = walk(std::uint64_t{1} << 40);
    ASSERT_TRUE(w.fault);
    EXPECT_NE(w.fault->reason.find("outside"), std::string::npos);
}

TEST(SystemInstruction, DecodesTheRegistersAndOperationsThePoliciesNeed)
{
    EXPECT_EQ(decodeRegister({3, 0, 1, 0, 0}), SystemRegister::SctlrEl1);
    EXPECT_EQ(decodeRegister({3, 1, 0, 0, 1}), SystemRegister::ClidrEl1);
    EXPECT_EQ(decodeRegister({3, 0, 4, 2, 2}), std::nullopt) << "CurrentEL is left to the engine";
    EXPECT_TRUE(trappedByTvm(SystemRegister::Afsr1El1));
    EXPECT_FALSE(trappedByTvm(SystemRegister::CsselrEl1));
    EXPECT_EQ(decodeOperation({1, 0, 7, 14, 2}), SystemOperation::DcCisw);
    EXPECT_EQ(decodeOperation({1, 0, 7, 6, 2}), SystemOperation::DcIsw);
    EXPECT_EQ(decodeOperation({1, 3, 7, 14, 1}), SystemOperation::DcCivac);
    EXPECT_EQ(decodeOperation({1, 3, 7, 11, 1}), SystemOperation::DcCvau);
    EXPECT_EQ(decodeOperation({1, 3, 7, 4, 1}), SystemOperation::DcZva);
    EXPECT_EQ(decodeOperation({1, 0, 8, 7, 0}), SystemOperation::Tlbi);
    EXPECT_EQ(decodeOperation({1, 0, 7, 8, 0}), std::nullopt) << "AT S1E1R is not modelled";
}

} // namespace
} // namespace vcm::hyp::cpu

// Guest address translation for the model: the guest's own stage-1 regime (SCTLR_EL1, TCR_EL1, TTBRn_EL1,
// MAIR_EL1, walked from its page tables) and the combination of stage-1 and stage-2 memory types.
//
// Rules (Arm ARM, reference brief policies.md section 4):
//  - Stage 1 disabled (SCTLR_EL1.M = 0): data accesses are Device-nGnRnE, unless HCR_EL2.DC = 1, which makes
//    them Normal write-back (D8.2.12.1).
//  - Stage 1 enabled with SCTLR_EL1.C = 0: every Normal data access is Non-cacheable.
//  - Combining (D8.6.5), FWB = 0: Device beats Normal; NC with anything is NC; WT with WB is WT.
//    FWB = 1 (FEAT_S2FWB) with stage-2 RAM: Normal write-back whatever stage 1 said (D8.6.6).
#pragma once

#include "vcm/hyp/memory/memory_types.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace vcm::hyp::cpu {

using memory::MemoryType;

enum class Stage2MemoryKind : std::uint8_t { Ram, Mmio };

// The memory type MAIR_EL1 attribute byte `attr` describes, judged by its inner attributes (the
// modelled caches are inner caches).
MemoryType decodeMairAttribute(std::uint8_t attr);

// Stage-1 data memory type for an access when the walk produced `mairAttr` (ignored when the MMU is off).
MemoryType stage1DataType(std::uint64_t sctlr, bool hcrDc, std::uint8_t mairAttr);

MemoryType combineStages(MemoryType stage1, Stage2MemoryKind stage2, bool fwb);

namespace sctlr {
constexpr std::uint64_t kM = 1u << 0;
constexpr std::uint64_t kC = 1u << 2;
constexpr std::uint64_t kI = 1u << 12;
// Reset value: M, C, I clear; RES1 bits of Armv8.0 set.
constexpr std::uint64_t kReset = 0x30d00800;
} // namespace sctlr

struct Stage1Registers {
    std::uint64_t sctlr = sctlr::kReset;
    std::uint64_t tcr = 0;
    std::uint64_t ttbr0 = 0;
    std::uint64_t ttbr1 = 0;
    std::uint64_t mair = 0;
};

struct Stage1Result {
    std::uint64_t ipa = 0;
    std::uint8_t mairAttr = 0; // the attribute byte selected by the leaf's AttrIndx
    // Writable at EL1: the leaf's AP[2] and every APTable[1] above it clear (D8.4.1, hierarchical
    // permissions). A store to a page that is not is a permission fault at the leaf's level.
    bool writable = true;
    unsigned level = 3; // the leaf's level
    std::uint64_t descriptor = 0; // the leaf, for messages
};

// The fault status codes of ESR_ELx.ISS.DFSC/IFSC (D17.2.37) a stage-1 walk reports: 0b0001LL translation,
// 0b0010LL access flag, 0b0011LL permission, LL the level.
enum class Stage1FaultKind : std::uint8_t { Translation = 0b0001, AccessFlag = 0b0010, Permission = 0b0011 };
const char* toString(Stage1FaultKind kind); // "translation", "access flag", "permission"

struct Stage1Fault {
    unsigned level = 0;
    std::string reason;
    Stage1FaultKind kind = Stage1FaultKind::Translation;
};

// Walks the guest's stage-1 tables (4 KiB granule, TTBR0 for the low half, TTBR1 for the high half) for a
// virtual address. `readDescriptor` reads 8 bytes of guest memory at an IPA on behalf of the walk.
// Returns the IPA, the attribute and whether EL1 may write, or a fault that names the level and the reason:
// a translation fault, or an access flag fault for a leaf with AF clear (the modelled cores have no hardware
// access flag management, FEAT_HAFDBS: the guest sets AF itself).
struct Stage1Walk {
    std::optional<Stage1Result> result;
    std::optional<Stage1Fault> fault;
};
Stage1Walk walkStage1(const Stage1Registers& regs, std::uint64_t va,
                      const std::function<std::uint64_t(std::uint64_t ipa)>& readDescriptor);
// The level a walk for `va` starts at (the initial lookup level of its TxSZ, 4 KiB granule).
unsigned stage1StartLevel(const Stage1Registers& regs, std::uint64_t va);

} // namespace vcm::hyp::cpu

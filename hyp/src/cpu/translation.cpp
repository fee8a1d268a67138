#include "vcm/hyp/cpu/translation.h"

#include <fmt/core.h>

namespace vcm::hyp::cpu {

const char* toString(Stage1FaultKind kind)
{
    switch (kind) {
    case Stage1FaultKind::Translation:
        return "translation";
    case Stage1FaultKind::AccessFlag:
        return "access flag";
    case Stage1FaultKind::Permission:
        return "permission";
    }
    return "unknown";
}

MemoryType decodeMairAttribute(std::uint8_t attr)
{
    // D24.2.x MAIR_EL1: high nibble 0000 is Device; otherwise Normal with outer = high and inner = low nibble.
    if ((attr & 0xf0u) == 0)
        return MemoryType::Device;
    const unsigned inner = attr & 0x0fu;
    if (inner == 0b0100)
        return MemoryType::NormalNonCacheable;
    if ((inner & 0b0100) != 0 && (inner & 0b0011) != 0)
        return MemoryType::NormalWriteBack;  // 0b01RW (RW != 00) transient, 0b11RW non-transient
    if ((inner & 0b1000) != 0)
        return (inner & 0b0100) != 0 ? MemoryType::NormalWriteBack : MemoryType::NormalWriteThrough;
    if ((inner & 0b0011) != 0)
        return MemoryType::NormalWriteThrough; // 0b00RW, RW != 00: write-through transient
    return MemoryType::NormalNonCacheable;     // 0b0000 with a Normal outer: UNPREDICTABLE; treat as NC
}

MemoryType stage1DataType(std::uint64_t sctlrValue, bool hcrDc, std::uint8_t mairAttr)
{
    if ((sctlrValue & sctlr::kM) == 0)
        return hcrDc ? MemoryType::NormalWriteBack : MemoryType::Device;
    const MemoryType type = decodeMairAttribute(mairAttr);
    if (type != MemoryType::Device && (sctlrValue & sctlr::kC) == 0)
        return MemoryType::NormalNonCacheable;
    return type;
}

MemoryType combineStages(MemoryType stage1, Stage2MemoryKind stage2, bool fwb)
{
    if (stage2 == Stage2MemoryKind::Mmio)
        return MemoryType::Device;
    if (fwb)
        return MemoryType::NormalWriteBack;
    return stage1; // stage-2 RAM is Normal write-back, which never weakens stage 1
}

unsigned stage1StartLevel(const Stage1Registers& regs, std::uint64_t va)
{
    // Each level resolves 9 bits above the 12-bit page offset; the start level is the one whose range
    // covers the input size (D8.2.x, "initial lookup level").
    const bool upper = (va >> 63) != 0;
    const unsigned inputBits = 64 - static_cast<unsigned>(upper ? (regs.tcr >> 16) & 0x3f : regs.tcr & 0x3f);
    return inputBits > 39 ? 0 : inputBits > 30 ? 1 : 2;
}

Stage1Walk walkStage1(const Stage1Registers& regs, std::uint64_t va,
                      const std::function<std::uint64_t(std::uint64_t ipa)>& readDescriptor)
{
    Stage1Walk walk;
    const bool upper = (va >> 63) != 0;
    const unsigned tsz = static_cast<unsigned>(upper ? (regs.tcr >> 16) & 0x3f : regs.tcr & 0x3f);
    const bool walksDisabled = upper ? ((regs.tcr >> 23) & 1) != 0 : ((regs.tcr >> 7) & 1) != 0; // EPD1 / EPD0
    const unsigned inputBits = 64 - tsz;
    if (tsz < 16 || tsz > 39) {
        walk.fault = Stage1Fault{0, fmt::format("T{}SZ = {} is outside 16..39 (4 KiB granule)", upper ? 1 : 0, tsz)};
        return walk;
    }
    if (walksDisabled) {
        walk.fault = Stage1Fault{0, fmt::format("translation walks disabled by EPD{}", upper ? 1 : 0)};
        return walk;
    }
    const std::uint64_t topMask = ~((std::uint64_t{1} << inputBits) - 1);
    if (upper ? (va & topMask) != topMask : (va & topMask) != 0) {
        walk.fault = Stage1Fault{0, fmt::format("VA {:#x} outside the {}-bit input range", va, inputBits)};
        return walk;
    }
    unsigned level = stage1StartLevel(regs, va);
    std::uint64_t table = (upper ? regs.ttbr1 : regs.ttbr0) & 0x0000'ffff'ffff'f000ull;
    // TCR_EL1.HPD0/HPD1 (FEAT_HPDS) would disable hierarchical permissions; the modelled cores lack it.
    bool tableReadOnly = false;
    for (;; ++level) {
        const unsigned shift = 12 + 9 * (3 - level);
        const std::uint64_t index = (va >> shift) & 0x1ff;
        const std::uint64_t descriptor = readDescriptor(table + index * 8);
        const std::uint64_t kind = descriptor & 3;
        const std::uint64_t outputAddress = descriptor & 0x0000'ffff'ffff'f000ull;
        if ((kind & 1) == 0) {
            walk.fault = Stage1Fault{level, fmt::format("invalid descriptor {:#x} at level {}", descriptor, level)};
            return walk;
        }
        const bool leaf = level == 3 || kind == 1;
        if (leaf) {
            if (level == 3 && kind != 3) {
                walk.fault = Stage1Fault{level, "reserved descriptor type at level 3"};
                return walk;
            }
            if (level == 0 && kind == 1) {
                walk.fault = Stage1Fault{level, "block descriptor at level 0"};
                return walk;
            }
            if (((descriptor >> 10) & 1) == 0) {
                walk.fault = Stage1Fault{level, fmt::format("access flag clear in descriptor {:#x}", descriptor),
                                         Stage1FaultKind::AccessFlag};
                return walk;
            }
            const std::uint64_t offsetMask = (std::uint64_t{1} << shift) - 1;
            const auto attrIndex = static_cast<unsigned>((descriptor >> 2) & 7);
            const bool readOnly = ((descriptor >> 7) & 1) != 0; // AP[2]
            walk.result = Stage1Result{(outputAddress & ~offsetMask) | (va & offsetMask),
                                       static_cast<std::uint8_t>(regs.mair >> (8 * attrIndex)),
                                       !readOnly && !tableReadOnly, level, descriptor};
            return walk;
        }
        tableReadOnly = tableReadOnly || ((descriptor >> 62) & 1) != 0; // APTable[1]: no writes below
        table = outputAddress;
    }
}

} // namespace vcm::hyp::cpu

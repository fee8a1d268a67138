#include "vcm/hyp/policy/flush_page_to_ram.h"

namespace vcm::hyp::policy {
namespace {

constexpr std::uint64_t kDomheapVirtStart = 0x8000'0000; // DOMHEAP_VIRT_START, GB(2)
constexpr std::uint64_t kDomheapEntries = 1024;          // DOMHEAP_ENTRIES: 1024 2 MiB slots
constexpr std::uint64_t kFramesPerSlot = 512;            // XEN_PT_LPAE_ENTRIES: 4 KiB frames in a 2 MiB slot
constexpr std::uint32_t kPageBytes = 4096;
// dcache_line_bytes (CTR_EL0.DminLine). For a whole page at a page-aligned VA the outcome does not depend on it.
constexpr std::uint32_t kXenDcacheLineBytes = 64;

} // namespace

std::uint32_t xenArm32DomheapAddress(vm::Mfn mfn)
{
    // map_domain_page(): slot_mfn = mfn & ~XEN_PT_LPAE_ENTRY_MASK; the probe starts at
    // (slot_mfn >> XEN_PT_LPAE_SHIFT) % DOMHEAP_ENTRIES and takes it (it is free: one mapping at a time);
    // va = DOMHEAP_VIRT_START + (slot << SECOND_SHIFT) + ((mfn & XEN_PT_LPAE_ENTRY_MASK) << THIRD_SHIFT).
    const std::uint64_t slot = (mfn / kFramesPerSlot) % kDomheapEntries;
    const std::uint64_t va = kDomheapVirtStart + slot * kFramesPerSlot * kPageBytes + (mfn % kFramesPerSlot) * kPageBytes;
    return static_cast<std::uint32_t>(va);
}

std::uint64_t xenArm32BytesMaintained(std::uint32_t va, std::uint32_t size, std::uint32_t lineBytes, bool endWraps)
{
    const std::uint32_t mask = lineBytes - 1;
    if (endWraps) {
        // Before 9a216e92de: end = p + size (in 32 bits); p &= ~mask; for ( ; p < end; p += line ).
        const std::uint32_t end = va + size;
        const std::uint32_t first = va & ~mask;
        if (first >= end)
            return 0;
        return ((std::uint64_t{end} - first + mask) / lineBytes) * lineBytes;
    }
    // 9a216e92de and 190b7f49af: size += p & mask, rounded up to lines, counted down line by line.
    const std::uint64_t total = std::uint64_t{size} + (va & mask);
    return (total + mask) / lineBytes * lineBytes;
}

std::uint64_t FlushPageToRam::flush(memory::MemorySystem& memory, memory::AgentId agent, vm::Mfn first,
                                    std::uint64_t frames) const
{
    if (!arm32RangeEndWraps) {
        memory.maintainRange(agent, operation, first << 12, frames << 12);
        return 0;
    }
    // Maintain the run in pieces between the frames the wrapping helper skips; every other frame of the run
    // gets its whole page (a page-aligned VA below 0xFFFFF000 never wraps).
    std::uint64_t skipped = 0;
    vm::Mfn runStart = first;
    for (vm::Mfn mfn = first; mfn < first + frames; ++mfn) {
        // Only one frame in every 2 GiB can wrap: jump to the next candidate instead of testing each frame.
        const vm::Mfn candidate = mfn | (kDomheapEntries * kFramesPerSlot - 1);
        if (candidate >= first + frames)
            break;
        mfn = candidate;
        if (xenArm32BytesMaintained(xenArm32DomheapAddress(mfn), kPageBytes, kXenDcacheLineBytes, true) != 0)
            continue;
        if (mfn > runStart)
            memory.maintainRange(agent, operation, runStart << 12, (mfn - runStart) << 12);
        ++skipped;
        runStart = mfn + 1;
    }
    if (runStart < first + frames)
        memory.maintainRange(agent, operation, runStart << 12, (first + frames - runStart) << 12);
    return skipped;
}

} // namespace vcm::hyp::policy

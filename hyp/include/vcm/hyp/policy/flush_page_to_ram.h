// What a hypervisor does to each guest frame its full-guest flush reaches: Xen's flush_page_to_ram(), KVM's
// clean and invalidate of each stage-2 leaf (kvm_pgtable_stage2_flush). Correct hypervisors clean and
// invalidate every line of the frame to the PoC. Two defects of Xen's history are re-created as options:
//  - Clean-only (9617d5f9c1, reverted by a33ad60cc3): DC CVAC instead of DC CIVAC; older lines stay valid.
//  - The end of the range wraps (XSA-437, CVE-2023-34321, fixed by 9a216e92de; XSA-447, CVE-2023-46837, fixed
//    the remaining pointer overflow in 190b7f49af). Xen on arm32 maps each frame into its domheap mapcache
//    (the top 2 GiB of its 32-bit VA space, map_domain_page()) and cleans it with
//    clean_and_invalidate_dcache_va_range(p, PAGE_SIZE), whose loop ran `for ( ; p < end; ...)` with
//    `end = p + size`. The frame mapped at 0xFFFFF000 has end = 0: the loop never runs and the frame is left
//    as it was, dirty lines and all.
#pragma once

#include "vcm/hyp/memory/memory_system.h"
#include "vcm/hyp/vm/stage2_table.h"

#include <cstdint>

namespace vcm::hyp::policy {

// The 32-bit VA at which arm32 Xen's map_domain_page() maps machine frame `mfn` when no other domheap
// mapping is live (a flush maps one frame at a time): the mapcache is an open-addressed hash of 1024 2 MiB
// slots at DOMHEAP_VIRT_START = 2 GiB, slot = (mfn >> 9) % 1024, the frame at its offset in the slot
// (xen/arch/arm/domain_page.c before the arm32 mapcache was reworked). So the VA is 2 GiB + the machine
// address modulo 2 GiB, and the frames at machine addresses 0x7FFF_F000 + k * 2 GiB land at 0xFFFF_F000.
std::uint32_t xenArm32DomheapAddress(vm::Mfn mfn);

// The bytes of a `size`-byte range at 32-bit VA `va` that clean_and_invalidate_dcache_va_range() reaches,
// before 9a216e92de (`endWraps`: the end is computed modulo 2^32 and compared with `p < end`) or after it
// (the loop counts the size down and reaches every line).
std::uint64_t xenArm32BytesMaintained(std::uint32_t va, std::uint32_t size, std::uint32_t lineBytes, bool endWraps);

struct FlushPageToRam {
    memory::ByAddressOp operation = memory::ByAddressOp::CleanInvalidateToPoC;
    bool arm32RangeEndWraps = false;

    // Maintains machine frames [first, first + frames) by `agent` as the hypervisor would; returns how many
    // of them it left untouched (only the wrapping range helper leaves any).
    std::uint64_t flush(memory::MemorySystem& memory, memory::AgentId agent, vm::Mfn first,
                        std::uint64_t frames) const;
};

} // namespace vcm::hyp::policy

// Stage 2 mapped on demand: the VM's RAM enters stage 2 one block at a time, when the guest first touches it.
// This is how KVM/arm64 has always populated stage 2 (kvm_handle_guest_abort -> user_mem_abort maps the faulting
// page, or the THP/hugetlb block around it, on a translation fault), and how the 2014 fault-flush series did.
// The machine allocated and mapped the RAM already; "not yet faulted in" is kept as a mapped but invalid leaf, so
// the hypervisor still knows which machine frame backs each guest frame (KVM asks its memslot, gfn_to_pfn).
#pragma once

#include "vcm/hyp/machine.h"
#include "vcm/hyp/policy/cache_policy.h"

#include <cstdint>
#include <functional>

namespace vcm::hyp::policy {

// The frames one stage-2 fault maps.
struct FaultedBlock {
    vm::Gfn gfn = 0;
    vm::Mfn mfn = 0;
    std::uint64_t pages = 0;
};

class OnDemandStage2 {
public:
    // `blockPages`: the mapping size a fault uses where it can, 1 (4 KiB pages) or 512 (2 MiB blocks, what
    // transparent_hugepage_adjust gives a THP-backed memslot), or 262144 (1 GiB, hugetlbfs).
    explicit OnDemandStage2(std::uint64_t blockPages);

    // At VM creation: every RAM frame is made invalid, unless the scenario says the guest's RAM is already in
    // use (VmSpec::ramInUse: a long-running guest has faulted all of it in).
    void start(Machine& machine, std::size_t vm) const;

    // A stage-2 fault at `ipa`: when it lies in RAM not yet faulted in, `beforeMap` sees the frames about to be
    // mapped (KVM cleans them to the PoC there, before the descriptor is written), they are made valid, and the
    // result is true (the access retries). False for anything else: an abort for the guest.
    bool onFault(Machine& machine, std::size_t vm, std::uint64_t ipa,
                 const std::function<void(const FaultedBlock&)>& beforeMap) const;

    std::uint64_t blockPages() const { return m_blockPages; }

    // The clean KVM makes before mapping a block (clean_dcache_guest_page: DC CIVAC over it), by the hypervisor
    // agent of `core`.
    static void cleanToPoC(Machine& machine, memory::CoreId core, const FaultedBlock& block);

private:
    std::uint64_t m_blockPages;
};

// The mapping size of a policy that maps on demand, in pages: its knob stage2_block_kib (4, 2048 or 1048576), or its
// default (onDemandStage2BlockBytes in cache_policy.h).
std::uint64_t onDemandBlockPages(std::string_view policy, KnobReader& knobs);

} // namespace vcm::hyp::policy

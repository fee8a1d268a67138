// A full-guest clean and invalidate to PoC that can stop at a preemption point and resume where it stopped:
// the loop of Xen's p2m_cache_flush_range() and of KVM's stage2_flush_vm(), with their preemption rules.
//
// It walks the VM's stage 2 in gfn order. Each page is cleaned and invalidated to the PoC by the hypervisor
// agent of the core it runs on (DC CIVAC by the hypervisor's own VA, which reaches every cache including the
// system cache), plus a per-page p2m cost; unmapped regions (and, under access tracking, regions not
// accessed since the last flush) are skipped at a per-region cost. Preemption:
//  - Never: xen-rfc as posted ("XXX: Handle preemption").
//  - XenWorkCounter: +pageWeight per page flushed, +skipWeight per region skipped; when the counter reaches
//    the threshold, stop if softirqs are pending, else reset it (p2m_cache_flush_range, 221c2fc433). The
//    restart point is the first gfn not yet flushed.
//  - ReschedPerChunk: at every chunk boundary (1 GiB with 4 KiB pages), stop if a reschedule is due
//    (stage2_apply_range_resched / cond_resched_rwlock_write).
// Skipped regions are counted by the walk as a whole, so their weight is added after the walk rather than
// between regions; pages are processed in batches that end exactly at the next preemption point.
#pragma once

#include "vcm/hyp/cpu/vcpu.h"
#include "vcm/hyp/policy/flush_log.h"
#include "vcm/hyp/policy/flush_page_to_ram.h"
#include "vcm/hyp/vm/stage2_table.h"

#include <cstdint>

namespace vcm::hyp {
class Machine;
}

namespace vcm::hyp::policy {

struct PreemptionRule {
    enum class Kind : std::uint8_t { Never, XenWorkCounter, ReschedPerChunk };
    Kind kind = Kind::Never;
    std::uint32_t threshold = 512;
    std::uint32_t pageWeight = 10;
    std::uint32_t skipWeight = 1;
    std::uint64_t chunkPages = std::uint64_t{1} << 18; // 1 GiB of 4 KiB pages
};

struct FlushCosts {
    memory::Cycles p2mPerPage = 40;    // map_domain_page + p2m lookup per page
    memory::Cycles p2mPerRegion = 10;  // a skipped region
};

class FlushContinuation {
public:
    // `pageFlush`: what each page gets, DC CIVAC of every line by default (Xen's flush_page_to_ram, KVM's
    // stage-2 flush); its options re-create Xen's clean-only flush and the arm32 range helper that wrapped.
    FlushContinuation(Machine& machine, std::size_t vm, vm::WalkFilter filter, PreemptionRule rule,
                      FlushCosts costs, FlushLog& log, std::size_t record, FlushPageToRam pageFlush = {});

    // Runs on `core` until the flush is done (true) or a preemption point finds work pending (false).
    bool run(memory::CoreId core, const cpu::PreemptionQuery& preemption);

private:
    Machine& m_machine;
    std::size_t m_vm;
    vm::WalkFilter m_filter;
    PreemptionRule m_rule;
    FlushCosts m_costs;
    FlushLog& m_log;
    std::size_t m_record;
    FlushPageToRam m_pageFlush;
    vm::Gfn m_next;
    vm::Gfn m_end;
    std::uint32_t m_counter = 0;
};

} // namespace vcm::hyp::policy

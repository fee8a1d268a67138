// caches_on_without_flush: a vCPU turned its data caches on (SCTLR_EL1.M and .C both set) and ran with
// them without any flush of its VM since it last ran with caches off. Lines allocated before (by
// speculation, the hypervisor, another vCPU) can then shadow what it wrote to RAM with caches off — what
// Xen's and KVM's caches-on flush (p2m_toggle_cache, kvm_toggle_cache) exists to prevent.
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectCachesOnWithoutFlush(db::Database& db, FindingWriter& out)
{
    // Each transition into mmu_caches from another known state; the window for a flush runs from the start
    // of that previous state to the start of the vCPU's first slice after the transition (a flush the trap
    // handler queued runs at the start of that slice, before the guest's next instruction).
    db::Statement q = db.prepare(
        "SELECT cur.id, cur.ts, cur.vcpu_id, prev.ts, v.vm, coalesce(v.name, 'vcpu ' || cur.vcpu_id), "
        "(SELECT min(s.ts) FROM sched_slice s WHERE s.vcpu_id = cur.vcpu_id AND s.ts >= cur.ts) "
        "FROM sctlr_state cur JOIN sctlr_state prev ON prev.vcpu_id = cur.vcpu_id AND prev.ts + prev.dur = cur.ts "
        "AND prev.id < cur.id JOIN vcpu v ON v.id = cur.vcpu_id "
        "WHERE cur.state = 'mmu_caches' AND prev.state <> 'mmu_caches' ORDER BY cur.ts, cur.id");
    db::Statement flushes = db.prepare("SELECT count(*) FROM flush WHERE vm = ? AND ts >= ? AND ts <= ?");
    while (q.step()) {
        const std::int64_t ts = q.columnInt(1);
        const std::int64_t windowEnd = q.columnOptionalInt(6).value_or(ts);
        flushes.bind(1, q.columnInt(4)).bind(2, q.columnInt(3)).bind(3, std::max(windowEnd, ts));
        flushes.step();
        const std::int64_t count = flushes.columnInt(0);
        flushes.reset();
        if (count != 0)
            continue;
        Finding f;
        f.kind = "caches_on_without_flush";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(ts);
        f.vcpuId = q.columnInt(2);
        f.vm = q.columnInt(4);
        f.explanation = fmt::format("{} turned its caches on at {} ns with no flush of its VM since its caches-off "
                                    "state began at {} ns: lines cached meanwhile can shadow what it wrote to RAM "
                                    "with caches off",
                                    q.columnText(5), ts, q.columnInt(3));
        f.evidence.push_back({"sctlr_state", q.columnInt(0), "subject"});
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

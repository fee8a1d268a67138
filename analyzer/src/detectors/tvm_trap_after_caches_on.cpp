// tvm_trap_after_caches_on: TVM traps taken while the vCPU's caches were already on, beyond the one that
// tells the hypervisor so. The hypervisor learns that the caches are on only by trapping a VM-register
// write: Xen (p2m_toggle_cache, from every TVM_REG write) and KVM (kvm_toggle_cache, from access_vm_reg)
// clear HCR_EL2.TVM at the first trapped write that finds M and C set. Any further caches-on trap in the
// same armed interval is pure cost (a context switch that rewrites TTBRs pays a trap each time): TVM was
// left armed. The SCTLR_EL1 write that turns the caches off is not counted either: catching it is why TVM
// is re-armed after a set/way operation. One finding per vCPU.
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectTvmTrapsAfterCachesOn(db::Database& db, FindingWriter& out)
{
    // Caches-on traps (not the caches-off write) numbered within their armed interval; all but the first.
    db.exec("CREATE TEMP TABLE IF NOT EXISTS tvm_excess AS "
            "WITH on_traps AS (SELECT t.id, t.ts, t.vcpu_id, t.what, s.id AS armed FROM trap t JOIN tvm_state s "
            "ON s.vcpu_id = t.vcpu_id AND t.ts >= s.ts AND t.ts <= s.ts + s.dur WHERE t.kind = 'vm_register' "
            "AND t.caches_on = 1 AND NOT (t.detail = 0 AND (t.new_value & 5) <> 5)), "
            "ranked AS (SELECT *, row_number() OVER (PARTITION BY armed ORDER BY ts, id) AS n FROM on_traps) "
            "SELECT id, ts, vcpu_id, what FROM ranked WHERE n > 1");
    db::Statement q = db.prepare(
        "SELECT e.vcpu_id, count(*), min(e.ts), max(e.ts), min(e.id), coalesce(v.name, 'vcpu ' || e.vcpu_id), v.vm, "
        "group_concat(DISTINCT e.what) FROM tvm_excess e LEFT JOIN vcpu v ON v.id = e.vcpu_id "
        "GROUP BY e.vcpu_id ORDER BY min(e.ts)");
    db::Statement rows = db.prepare("SELECT id FROM tvm_excess WHERE vcpu_id = ? ORDER BY ts, id");
    const std::string policy = runPolicy(db);
    while (q.step()) {
        Finding f;
        f.kind = "tvm_trap_after_caches_on";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(q.columnInt(2));
        f.dur = static_cast<std::uint64_t>(q.columnInt(3) - q.columnInt(2));
        f.vcpuId = q.columnInt(0);
        f.vm = q.columnOptionalInt(6);
        f.measure = q.columnInt(1);
        f.explanation = fmt::format("{} took {} more TVM traps ({}) after a trapped write had already found its "
                                    "caches on, under policy {}: TVM was left armed where Xen and KVM clear it at "
                                    "that first trap (p2m_toggle_cache, kvm_toggle_cache), so each such write "
                                    "costs a trap",
                                    q.columnText(5), q.columnInt(1), q.columnText(7), policy);
        rows.bind(1, q.columnInt(0));
        appendEvidence(f, rows, "trap");
        out.write(f);
    }
    db.exec("DROP TABLE IF EXISTS temp.tvm_excess");
}

} // namespace vcm::analyzer::detectors

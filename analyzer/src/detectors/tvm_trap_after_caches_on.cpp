// tvm_trap_after_caches_on: TVM traps taken while the vCPU's caches were already on. KVM disarms TVM once
// the guest has turned its caches on (kvm_toggle_cache): after that, every trapped VM-register write is
// pure cost (a context switch that rewrites TTBRs pays a trap each time). The SCTLR_EL1 write that turns
// the caches off is not counted: catching it is why TVM is re-armed after a set/way operation
// (kvm_set_way_flush, p2m_set_way_flush). One finding per vCPU.
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectTvmTrapsAfterCachesOn(db::Database& db, FindingWriter& out)
{
    db::Statement q = db.prepare(
        "SELECT t.vcpu_id, count(*), min(t.ts), max(t.ts), min(t.id), coalesce(v.name, 'vcpu ' || t.vcpu_id), v.vm, "
        "group_concat(DISTINCT t.what) FROM trap t LEFT JOIN vcpu v ON v.id = t.vcpu_id "
        "WHERE t.kind = 'vm_register' AND t.caches_on = 1 AND NOT (t.detail = 0 AND (t.new_value & 5) <> 5) GROUP BY t.vcpu_id ORDER BY min(t.ts)");
    db::Statement rows = db.prepare(
        "SELECT id FROM trap WHERE vcpu_id = ? AND kind = 'vm_register' AND caches_on = 1 "
        "AND NOT (detail = 0 AND (new_value & 5) <> 5) ORDER BY ts, id");
    const std::string policy = [&] {
        db::Statement p = db.prepare("SELECT coalesce(policy, '?') FROM run");
        return p.step() ? p.columnText(0) : std::string("?");
    }();
    while (q.step()) {
        Finding f;
        f.kind = "tvm_trap_after_caches_on";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(q.columnInt(2));
        f.dur = static_cast<std::uint64_t>(q.columnInt(3) - q.columnInt(2));
        f.vcpuId = q.columnInt(0);
        f.vm = q.columnOptionalInt(6);
        f.measure = q.columnInt(1);
        f.explanation = fmt::format("{} took {} TVM traps ({}) after its caches were on, under policy {}: TVM stayed "
                                    "armed where KVM disarms it once caches are on (kvm_toggle_cache), so each write "
                                    "of these registers costs a trap",
                                    q.columnText(5), q.columnInt(1), q.columnText(7), policy);
        rows.bind(1, q.columnInt(0));
        bool first = true;
        while (rows.step()) {
            f.evidence.push_back({"trap", rows.columnInt(0), first ? "subject" : "also"});
            first = false;
        }
        rows.reset();
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

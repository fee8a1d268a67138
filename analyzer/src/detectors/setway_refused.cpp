// setway_refused: set/way operations EL2 refused with an Undefined Instruction exception (trap rows of kind
// `undefined`). Xen does so when the p2m is shared with the IOMMU (2b45ff6030): it cannot clear the p2m's valid
// bits to track accesses, so it does not emulate set/way at all, logs "The cache should be flushed by VA rather
// than by set/way" and injects UNDEF. A guest that handles the exception and cleans by VA is fine; one that
// does not dies, or goes on with its caches never cleaned. One finding per vCPU.
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectSetWayRefused(db::Database& db, FindingWriter& out)
{
    db::Statement q = db.prepare(
        "SELECT t.vcpu_id, count(*), min(t.ts), max(t.ts), coalesce(v.name, 'vcpu ' || t.vcpu_id), v.vm, "
        "group_concat(DISTINCT t.what) FROM trap t LEFT JOIN vcpu v ON v.id = t.vcpu_id WHERE t.kind = 'undefined' "
        "GROUP BY t.vcpu_id ORDER BY min(t.ts)");
    db::Statement rows = db.prepare("SELECT id FROM trap WHERE kind = 'undefined' AND vcpu_id = ? ORDER BY ts, id");
    const std::string policy = runPolicy(db);
    while (q.step()) {
        Finding f;
        f.kind = "setway_refused";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(q.columnInt(2));
        f.dur = static_cast<std::uint64_t>(q.columnInt(3) - q.columnInt(2));
        f.vcpuId = q.columnInt(0);
        f.vm = q.columnOptionalInt(5);
        f.measure = q.columnInt(1);
        f.explanation = fmt::format("{} had {} set/way operation{} refused by EL2 ({}) under policy {}: the guest "
                                    "took an Undefined Instruction exception at each, as Xen injects when the p2m "
                                    "is shared with the IOMMU (\"The cache should be flushed by VA rather than by "
                                    "set/way\"); its caches were cleaned only if its handler cleaned them by VA",
                                    q.columnText(4), q.columnInt(1), q.columnInt(1) == 1 ? "" : "s", q.columnText(6),
                                    policy);
        rows.bind(1, q.columnInt(0));
        appendEvidence(f, rows, "trap");
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

// untrapped_setway: set/way maintenance a guest executed natively (HCR_EL2.TSW clear). Set/way operations
// act on the executing core's caches only, one level down, and never reach a system cache (Arm ARM
// D7.5.9.16): in a VM that can migrate, or behind a system cache, they cannot clean the VM's memory.
// Xen and KVM trap them for this reason. One finding per vCPU.
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectUntrappedSetWay(db::Database& db, FindingWriter& out)
{
    db::Statement q = db.prepare(
        "SELECT m.agent, count(*), min(m.ts), max(m.ts), min(m.id), max(m.id), group_concat(DISTINCT m.op), "
        "group_concat(DISTINCT m.core), v.id, v.vm, sum(m.lines_cleaned), sum(m.dirty_discarded) "
        "FROM maintenance m JOIN agent a ON a.id = m.agent LEFT JOIN vcpu v ON v.agent = m.agent "
        "WHERE m.by_set_way = 1 AND m.trapped = 0 AND a.role = 'vcpu' GROUP BY m.agent ORDER BY min(m.ts)");
    const std::string policy = runPolicy(db);
    while (q.step()) {
        Finding f;
        f.kind = "untrapped_setway";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(q.columnInt(2));
        f.dur = static_cast<std::uint64_t>(q.columnInt(3) - q.columnInt(2));
        f.vcpuId = q.columnOptionalInt(8);
        f.vm = q.columnOptionalInt(9);
        f.measure = q.columnInt(1);
        std::string ops = q.columnText(6);
        for (char& c : ops)
            c = c == '_' ? ' ' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        f.explanation = fmt::format(
            "{} executed {} set/way operations ({}) natively on core(s) {} under policy {} (HCR_EL2.TSW clear): they "
            "cleaned {} lines and discarded {} dirty lines of those cores' caches only, one level down, never the "
            "system cache or another core's caches",
            agentName(db, q.columnInt(0)), q.columnInt(1), ops, q.columnText(7), policy, q.columnInt(10),
            q.columnInt(11));
        f.evidence.push_back({"maintenance", q.columnInt(4), "subject"});
        if (q.columnInt(5) != q.columnInt(4))
            f.evidence.push_back({"maintenance", q.columnInt(5), "last"});
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

// flush_scheduling_latency: while a full-guest flush was in progress, another vCPU that was ready to run
// waited longer than the threshold for a core. The wait of a vCPU is the gap between a slice that ended
// with it still runnable (slice_end, yield, preempted) and its next slice. One finding per flush, with
// the worst wait that overlaps it.
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectFlushSchedulingLatency(db::Database& db, FindingWriter& out, const DetectorOptions& options)
{
    db.exec("CREATE TEMP TABLE IF NOT EXISTS vcpu_wait AS "
            "SELECT s.vcpu_id, s.ts + s.dur AS ready, "
            "(SELECT min(n.ts) FROM sched_slice n WHERE n.vcpu_id = s.vcpu_id AND n.ts >= s.ts + s.dur AND n.id <> s.id) "
            "AS resumed, s.id AS slice FROM sched_slice s WHERE s.end_reason IN ('slice_end', 'yield', 'preempted')");
    db::Statement q = db.prepare(
        "SELECT f.id, f.ts, f.dur, f.vm, f.flush_id, f.vcpu_id, w.vcpu_id, max(w.resumed - w.ready), w.slice, "
        "coalesce(fv.name, 'vcpu ' || f.vcpu_id), coalesce(wv.name, 'vcpu ' || w.vcpu_id), f.segments "
        "FROM flush f JOIN vcpu_wait w ON w.vcpu_id <> f.vcpu_id AND w.resumed IS NOT NULL "
        "AND w.ready < f.ts + f.dur AND w.resumed > f.ts "
        "LEFT JOIN vcpu fv ON fv.id = f.vcpu_id LEFT JOIN vcpu wv ON wv.id = w.vcpu_id "
        "GROUP BY f.id HAVING max(w.resumed - w.ready) > ? ORDER BY f.ts, f.id");
    q.bind(1, options.longFlushSegmentNs);
    while (q.step()) {
        Finding f;
        f.kind = "flush_scheduling_latency";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(q.columnInt(1));
        f.dur = static_cast<std::uint64_t>(q.columnInt(2));
        f.vm = q.columnInt(3);
        f.vcpuId = q.columnInt(6);
        f.measure = q.columnInt(7);
        f.explanation = fmt::format("during flush {} of VM {} (requested by {}, {} segments over {}), {} waited {} "
                                    "for a core (threshold {})",
                                    q.columnInt(4), q.columnInt(3), q.columnText(9), q.columnInt(11),
                                    formatDuration(f.dur), q.columnText(10),
                                    formatDuration(static_cast<std::uint64_t>(q.columnInt(7))),
                                    formatDuration(options.longFlushSegmentNs));
        f.evidence.push_back({"flush", q.columnInt(0), "subject"});
        f.evidence.push_back({"sched_slice", q.columnInt(8), "waiting"});
        out.write(f);
    }
    db.exec("DROP TABLE IF EXISTS temp.vcpu_wait");
}

} // namespace vcm::analyzer::detectors

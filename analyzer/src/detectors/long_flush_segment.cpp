// long_flush_segment: a stretch of full-guest flush work that ran without a preemption point for longer
// than the threshold (default 1 ms virtual): everything else on that core waited (seed 004: Xen's
// p2m_cache_flush_range before the preemptible rework).
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectLongFlushSegments(db::Database& db, FindingWriter& out, const DetectorOptions& options)
{
    db::Statement q = db.prepare(
        "SELECT s.id, s.ts, s.dur, s.vm, s.core, s.flush_id, s.pages, s.finished, s.unpreempted_delay_ns, s.flush, "
        "coalesce(vm.name, 'VM ' || s.vm), f.vcpu_id FROM flush_segment s LEFT JOIN vm ON vm.id = s.vm "
        "LEFT JOIN flush f ON f.id = s.flush WHERE s.dur > ? ORDER BY s.ts, s.id");
    q.bind(1, options.longFlushSegmentNs);
    while (q.step()) {
        Finding f;
        f.kind = "long_flush_segment";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(q.columnInt(1));
        f.dur = static_cast<std::uint64_t>(q.columnInt(2));
        f.vm = q.columnInt(3);
        f.core = q.columnInt(4);
        f.vcpuId = q.columnOptionalInt(11);
        f.measure = q.columnInt(2);
        f.explanation = fmt::format(
            "flush {} of {} ran {} on core {} without a preemption point ({} pages, {}; threshold {}); work pending "
            "on that core waited {}",
            q.columnInt(5), q.columnText(10), formatDuration(f.dur), q.columnInt(4), q.columnInt(6),
            q.columnInt(7) != 0 ? "finished" : "preempted after", formatDuration(options.longFlushSegmentNs),
            formatDuration(static_cast<std::uint64_t>(q.columnInt(8))));
        f.evidence.push_back({"flush_segment", q.columnInt(0), "subject"});
        if (const auto flush = q.columnOptionalInt(9))
            f.evidence.push_back({"flush", *flush, "flush"});
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

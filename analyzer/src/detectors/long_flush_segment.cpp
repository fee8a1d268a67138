// long_flush_segment: a stretch of full-guest flush work that kept work pending on its core (a due timer
// tick, a queued vCPU) waiting for longer than the threshold (default 1 ms virtual) without preempting
// itself: seed 004's complaint about Xen's p2m_cache_flush_range before the preemptible rework, and KVM's
// stage2_flush_vm between cond_resched() points. The measure is flush_segment.unpreempted_delay_ns, not
// the segment's length: a long segment while nothing waits harms nobody (Xen's preemptible flush runs on
// past its checks when nothing is pending).
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectLongFlushSegments(db::Database& db, FindingWriter& out, const DetectorOptions& options)
{
    db::Statement q = db.prepare(
        "SELECT s.id, s.ts, s.dur, s.vm, s.core, s.flush_id, s.pages, s.finished, s.unpreempted_delay_ns, s.flush, "
        "coalesce(vm.name, 'VM ' || s.vm), f.vcpu_id FROM flush_segment s LEFT JOIN vm ON vm.id = s.vm "
        "LEFT JOIN flush f ON f.id = s.flush WHERE s.unpreempted_delay_ns > ? ORDER BY s.ts, s.id");
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
        f.measure = q.columnInt(8);
        f.explanation = fmt::format(
            "flush {} of {} kept work pending on core {} waiting {} without a preemption (threshold {}); the "
            "segment ran {} over {} pages and then {}",
            q.columnInt(5), q.columnText(10), q.columnInt(4), formatDuration(static_cast<std::uint64_t>(q.columnInt(8))),
            formatDuration(options.longFlushSegmentNs), formatDuration(f.dur), q.columnInt(6),
            q.columnInt(7) != 0 ? "finished the flush" : "preempted itself");
        f.evidence.push_back({"flush_segment", q.columnInt(0), "subject"});
        if (const auto flush = q.columnOptionalInt(9))
            f.evidence.push_back({"flush", *flush, "flush"});
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

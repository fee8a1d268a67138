// stale_window: a page whose cached copy differed from RAM while a cache-bypassing observer (a vCPU with
// its caches off, a non-coherent device) could read it. The width is how long the observer could have
// read the wrong data; a window still open at the end of the run is reported with open = 1. A window that
// closed at the instant it opened (a trap handler turning the caches off and flushing in one step) could
// not be observed by anyone and is not a finding; its row stays in stale_window.
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectStaleWindows(db::Database& db, FindingWriter& out)
{
    db::Statement q = db.prepare(
        "SELECT id, page, ts, dur, observers, cause, resolved_by, open FROM stale_window WHERE dur > 0 OR open = 1 "
        "ORDER BY ts, id");
    while (q.step()) {
        Finding f;
        f.kind = "stale_window";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(q.columnInt(2));
        f.dur = static_cast<std::uint64_t>(q.columnInt(3));
        f.address = q.columnInt(1);
        f.measure = q.columnInt(3);
        const bool open = q.columnInt(7) != 0;
        f.explanation = fmt::format("stale-data window on page {:#x} for {} while {} bypassed the caches; opened by "
                                    "{}; {}",
                                    q.columnInt(1), formatDuration(f.dur), q.columnText(4), q.columnText(5),
                                    open ? std::string("still open when the run ended")
                                         : fmt::format("closed by {}", q.columnText(6)));
        f.evidence.push_back({"stale_window", q.columnInt(0), "subject"});
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

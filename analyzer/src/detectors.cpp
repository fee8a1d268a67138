#include "vcm/analyzer/detectors.h"

#include "detectors/detector_passes.h"

namespace vcm::analyzer {

const std::vector<std::string>& findingKinds()
{
    static const std::vector<std::string> kinds = {
        "data_loss",          "long_flush_segment",      "stale_read",
        "clobber",            "stale_window",            "tvm_trap_after_caches_on",
        "untrapped_setway",   "caches_on_without_flush", "flush_scheduling_latency",
        "setway_refused",     "no_oracle",
    };
    return kinds;
}

std::uint64_t runDetectors(db::Database& db, const DetectorOptions& options)
{
    db.exec("DELETE FROM finding_evidence; DELETE FROM finding");
    detectors::FindingWriter out(db);
    detectors::detectDataLoss(db, out);
    detectors::detectLongFlushSegments(db, out, options);
    detectors::detectStaleReads(db, out);
    detectors::detectClobbers(db, out);
    detectors::detectStaleWindows(db, out);
    detectors::detectTvmTrapsAfterCachesOn(db, out);
    detectors::detectUntrappedSetWay(db, out);
    detectors::detectCachesOnWithoutFlush(db, out);
    detectors::detectFlushSchedulingLatency(db, out, options);
    detectors::detectSetWayRefused(db, out);
    detectors::detectNoOracle(db, out);
    return out.written();
}

} // namespace vcm::analyzer

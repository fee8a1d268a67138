// no_oracle: a trace whose run had no coherence oracle (meta oracle = 'none': real KVM's trace-cmd files). Its
// stale_read, clobber and stale_window tables are empty because nothing could see stale data, not because there
// was none; one finding over the whole run says so, where the stale-data findings would be.
#include "detector_passes.h"

namespace vcm::analyzer::detectors {

void detectNoOracle(db::Database& db, FindingWriter& out)
{
    db::Statement oracle = db.prepare("SELECT value FROM meta WHERE key = 'oracle'");
    if (!oracle.step() || oracle.columnText(0) != "none")
        return;
    db::Statement run = db.prepare("SELECT coalesce(end_ts, 0) FROM run");
    Finding f;
    f.kind = "no_oracle";
    f.severity = "info";
    f.ts = 0;
    f.dur = run.step() ? static_cast<std::uint64_t>(run.columnInt(0)) : 0;
    f.explanation = "a hardware trace (trace-cmd, real KVM): no coherence oracle watched it, so stale reads, clobbers "
                    "and stale-data windows are unknown, not absent; traps, flushes and cache state are the kernel's own";
    out.write(f);
}

} // namespace vcm::analyzer::detectors

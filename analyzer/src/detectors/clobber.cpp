// clobber: a dirty write-back put older data over newer data in RAM, a lost write (seed 004's
// invalidate-by-set/way on a line another agent updated). One finding per clobber event.
#include "causal_chain.h"
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectClobbers(db::Database& db, FindingWriter& out)
{
    db::Statement q = db.prepare("SELECT id, ts, address, words, origin, origin_instance, line_version, "
                                 "overwritten_version, cause, overwritten_writer, overwritten_write_ts FROM clobber "
                                 "ORDER BY ts, id");
    while (q.step()) {
        LineIncident incident;
        incident.ts = static_cast<std::uint64_t>(q.columnInt(1));
        incident.address = static_cast<std::uint64_t>(q.columnInt(2));
        incident.latestHeldIn = "nowhere";
        incident.lostWrite = true;
        incident.writerAgent = q.columnOptionalInt(9);  // the destroyed write, when the trace knows it
        incident.writeTs = q.columnOptionalInt(10);
        const CausalChain chain = explainLine(db, incident);
        Finding f;
        f.kind = "clobber";
        f.severity = "error";
        f.ts = incident.ts;
        f.address = q.columnInt(2);
        f.measure = q.columnInt(3);
        f.explanation = fmt::format("lost write at {:#x}: a write-back from {} put version {} over the newer version "
                                    "{} in RAM ({} words), caused by {}; {}",
                                    incident.address, describeLocation(q.columnText(4), q.columnInt(5)),
                                    q.columnInt(6), q.columnInt(7), q.columnInt(3), q.columnText(8), chain.text);
        f.evidence.push_back({"clobber", q.columnInt(0), "subject"});
        f.evidence.insert(f.evidence.end(), chain.evidence.begin(), chain.evidence.end());
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

// data_loss: every stretch where the tracer discarded events or lost packets. Conclusions across it are
// uncertain (FindingWriter marks every finding of such a trace).
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectDataLoss(db::Database& db, FindingWriter& out)
{
    db::Statement q = db.prepare("SELECT id, kind, count, ts_before, ts_after, event_index FROM data_loss ORDER BY id");
    while (q.step()) {
        Finding f;
        f.kind = "data_loss";
        f.severity = "error";
        const std::optional<std::int64_t> before = q.columnOptionalInt(3);
        const std::optional<std::int64_t> after = q.columnOptionalInt(4);
        f.ts = static_cast<std::uint64_t>(before.value_or(after.value_or(0)));
        f.dur = static_cast<std::uint64_t>(std::max<std::int64_t>(after.value_or(f.ts) - static_cast<std::int64_t>(f.ts), 0));
        f.measure = q.columnInt(2);
        f.explanation = fmt::format("the tracer {} {} {} after event #{} (virtual time {} to {}): what happened there "
                                    "is unknown, and no conclusion drawn across it is certain",
                                    q.columnText(1) == "packets" ? "lost" : "discarded", q.columnInt(2),
                                    q.columnText(1), q.columnInt(5),
                                    before ? fmt::format("{} ns", *before) : std::string("start"),
                                    after ? fmt::format("{} ns", *after) : std::string("end"));
        f.evidence.push_back({"data_loss", q.columnInt(0), "subject"});
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

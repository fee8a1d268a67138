// stale_read: an access returned data older than the latest write. One finding per reader and 4 KiB page
// (a guest reading a stale buffer trips the oracle once per cache line; one explanation serves them all),
// with the causal chain of the page's first stale read.
#include "causal_chain.h"
#include "detector_passes.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

void detectStaleReads(db::Database& db, FindingWriter& out)
{
    db::Statement groups = db.prepare(
        "SELECT agent, address >> 12 AS page, count(*), min(ts), max(ts), sum(stale_words), min(id) FROM stale_read "
        "GROUP BY agent, page ORDER BY min(ts), min(id)");
    db::Statement first = db.prepare("SELECT ts, address, latest_writer, source, source_instance, latest_held_in, "
                                     "held_instance, version_returned, latest_version, core, latest_write_ts FROM "
                                     "stale_read WHERE id = ?");
    db::Statement rows = db.prepare("SELECT id FROM stale_read WHERE agent = ? AND address >> 12 = ? ORDER BY ts, id");
    db::Statement vcpuOf = db.prepare("SELECT id, vm FROM vcpu WHERE agent = ?");
    while (groups.step()) {
        const std::int64_t agent = groups.columnInt(0);
        const std::int64_t page = groups.columnInt(1);
        first.bind(1, groups.columnInt(6));
        first.step();
        LineIncident incident;
        incident.ts = static_cast<std::uint64_t>(first.columnInt(0));
        incident.address = static_cast<std::uint64_t>(first.columnInt(1));
        incident.readerAgent = agent;
        incident.writerAgent = first.columnInt(2);
        incident.latestHeldIn = first.columnText(5);
        incident.heldInstance = first.columnInt(6);
        incident.writeTs = first.columnOptionalInt(10);
        const std::string source = describeLocation(first.columnText(3), first.columnInt(4));
        const std::int64_t returned = first.columnInt(7);
        const std::int64_t latest = first.columnInt(8);
        const std::optional<std::int64_t> core = first.columnOptionalInt(9);
        first.reset();

        const CausalChain chain = explainLine(db, incident);
        Finding f;
        f.kind = "stale_read";
        f.severity = "error";
        f.ts = incident.ts;
        f.dur = static_cast<std::uint64_t>(groups.columnInt(4) - groups.columnInt(3));
        f.core = core;
        f.address = static_cast<std::int64_t>(incident.address);
        f.measure = groups.columnInt(2);
        vcpuOf.bind(1, agent);
        if (vcpuOf.step()) {
            f.vcpuId = vcpuOf.columnInt(0);
            f.vm = vcpuOf.columnInt(1);
        }
        vcpuOf.reset();
        f.explanation = fmt::format("{} read stale data on page {:#x}: {} stale reads ({} words), the first at {:#x} "
                                    "got version {} from {} instead of version {}; {}",
                                    agentName(db, agent), page << 12, groups.columnInt(2), groups.columnInt(5),
                                    incident.address, returned, source, latest, chain.text);
        rows.bind(1, agent).bind(2, page);
        bool firstRow = true;
        while (rows.step()) {
            f.evidence.push_back({"stale_read", rows.columnInt(0), firstRow ? "subject" : "also"});
            firstRow = false;
        }
        rows.reset();
        f.evidence.insert(f.evidence.end(), chain.evidence.begin(), chain.evidence.end());
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

#include "vcm/replay/what_if.h"

#include "vcm/analyzer/check_rules.h"
#include "vcm/analyzer/detectors.h"
#include "vcm/analyzer/ingest.h"
#include "vcm/db/schema.h"
#include "vcm/replay/replayer.h"

#include <fmt/core.h>

namespace vcm::replay {
namespace {

std::string firstFinding(db::Database& db, const std::string& kind)
{
    db::Statement q = db.prepare("SELECT explanation FROM finding WHERE kind = ? ORDER BY ts, id LIMIT 1");
    q.bind(1, kind);
    return q.step() ? q.columnText(0) : std::string();
}

std::int64_t findingCount(db::Database& db, const std::string& kind)
{
    db::Statement q = db.prepare("SELECT count(*) FROM finding WHERE kind = ?");
    q.bind(1, kind);
    q.step();
    return q.columnInt(0);
}

std::string verdicts(const hyp::scenario::RunReport& report)
{
    std::string text;
    for (const auto& guest : report.guests)
        text += fmt::format("{}{} {}", text.empty() ? "" : ", ", guest.name, guest.verdict);
    return text;
}

} // namespace

std::string whatIfOverride(const std::string& change)
{
    if (change.starts_with("policy=")) {
        std::string name = change.substr(7);
        if (!name.empty() && name.front() == '"')
            return "policy.name=" + name;
        return fmt::format("policy.name=\"{}\"", name);
    }
    return change;
}

WhatIf whatIf(const RecordedRun& run, const std::vector<std::string>& changes,
              const std::filesystem::path& guestDirectory)
{
    WhatIf result;
    for (const std::string& change : changes)
        result.overrides.push_back(whatIfOverride(change));
    TemporaryDirectory work("vcm-what-if");
    // Both runs are re-executed, so both sides come from this vcm (the recording itself may be older).
    const TracedRun before = rerunTraced(run, {}, work.path() / "before", guestDirectory);
    const TracedRun after = rerunTraced(run, result.overrides, work.path() / "after", guestDirectory);
    result.verdictsBefore = verdicts(before.report);
    result.verdictsAfter = verdicts(after.report);
    analyzer::ingestTrace(before.trace.string(), work.path() / "before.db", {});
    analyzer::ingestTrace(after.trace.string(), work.path() / "after.db", {});
    db::Database a = db::openTraceDatabase(work.path() / "before.db");
    db::Database b = db::openTraceDatabase(work.path() / "after.db");
    for (const analyzer::MeasureInfo& m : analyzer::measureInfos())
        result.measures.push_back({m.name, analyzer::measureValue(a, m.name), analyzer::measureValue(b, m.name)});
    for (const std::string& kind : analyzer::findingKinds()) {
        FindingChange f{kind, findingCount(a, kind), findingCount(b, kind), {}};
        if (f.before == f.after)
            continue;
        f.example = f.before > f.after ? firstFinding(a, kind) : firstFinding(b, kind);
        result.findings.push_back(std::move(f));
    }
    return result;
}

std::string toText(const WhatIf& r)
{
    std::string changes;
    for (const std::string& o : r.overrides)
        changes += (changes.empty() ? "" : ", ") + o;
    std::string out = fmt::format("what if {}:\n", changes);
    out += fmt::format("  guests: {} -> {}\n", r.verdictsBefore, r.verdictsAfter);
    out += "\nmeasures (recorded run -> what-if run):\n";
    for (const MeasureChange& m : r.measures) {
        std::string note;
        if (m.before != 0 && m.after == 0)
            note = "  gone";
        else if (m.before == 0 && m.after != 0)
            note = "  new";
        else if (m.before != m.after)
            note = "  changed";
        out += fmt::format("  {:<28} {:>12} -> {:<12}{}\n", m.measure, m.before, m.after, note);
    }
    if (r.findings.empty()) {
        out += "\nfindings: the same kinds and counts\n";
    } else {
        out += "\nfindings that changed:\n";
        for (const FindingChange& f : r.findings) {
            out += fmt::format("  {}: {} -> {}{}\n", f.kind, f.before, f.after,
                               f.after == 0 ? " (gone)" : f.before == 0 ? " (new)" : "");
            out += fmt::format("    {} e.g.: {}\n", f.before > f.after ? "was" : "now", f.example);
        }
    }
    return out;
}

} // namespace vcm::replay

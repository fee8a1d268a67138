#include "vcm/analyzer/run_comparison.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <map>
#include <tuple>

namespace vcm::analyzer {
namespace {

using db::Statement;

ComparedRun identity(db::Database& db, const std::string& label)
{
    ComparedRun run;
    run.label = label;
    Statement q = db.prepare("SELECT coalesce(scenario, ''), coalesce(policy, ''), coalesce(overrides, ''), seed FROM run");
    if (q.step()) {
        run.scenario = q.columnText(0);
        run.policy = q.columnText(1);
        run.overrides = q.columnText(2);
        run.seed = q.columnOptionalInt(3);
    }
    return run;
}

std::vector<FigureDifference> figures(db::Database& a, db::Database& b)
{
    // Each figure is one scalar query, asked of both runs.
    const std::vector<std::pair<const char*, const char*>> queries = {
        {"virtual time (ns)", "SELECT coalesce(max(end_ts), 0) FROM run"},
        {"instructions", "SELECT coalesce(max(instructions), 0) FROM run"},
        {"traps", "SELECT count(*) FROM trap"},
        {"set/way traps", "SELECT count(*) FROM trap WHERE kind = 'setway'"},
        {"VM-register (TVM) traps", "SELECT count(*) FROM trap WHERE kind = 'vm_register'"},
        {"stage-2 faults", "SELECT count(*) FROM trap WHERE kind = 'stage2_fault'"},
        {"full-guest flushes", "SELECT count(*) FROM flush"},
        {"pages flushed", "SELECT coalesce(sum(pages), 0) FROM flush"},
        {"longest unpreempted delay (ns)", "SELECT coalesce(max(unpreempted_delay_ns), 0) FROM flush_segment"},
        {"set/way operations executed natively",
         "SELECT coalesce(sum(count), 0) FROM maintenance_summary WHERE by_set_way = 1 AND trapped = 0"},
        {"stale reads", "SELECT count(*) FROM stale_read"},
        {"clobbers", "SELECT count(*) FROM clobber"},
        {"stale-data windows", "SELECT count(*) FROM stale_window"},
        {"error findings", "SELECT count(*) FROM finding WHERE severity = 'error'"},
        {"warning findings", "SELECT count(*) FROM finding WHERE severity = 'warning'"},
    };
    std::vector<FigureDifference> out;
    for (const auto& [name, sql] : queries)
        out.push_back({name, a.scalar(sql), b.scalar(sql)});
    return out;
}

struct Finding {
    std::int64_t id = 0;
    std::string kind, severity, subject, explanation;
    std::int64_t ts = 0;
};

// A run's findings by what they are about, each subject's in time order.
std::map<std::tuple<std::string, std::string, std::string>, std::deque<Finding>> findingsBySubject(db::Database& db)
{
    std::map<std::tuple<std::string, std::string, std::string>, std::deque<Finding>> out;
    Statement q = db.prepare(
        "SELECT f.id, f.kind, f.severity, f.ts, f.explanation, "
        "trim(coalesce(v.name, '') || CASE WHEN f.vcpu_id IS NULL AND f.vm IS NOT NULL THEN 'VM ' || "
        "coalesce(vm.name, f.vm) ELSE '' END || CASE WHEN f.address IS NOT NULL THEN ', ' || printf('0x%x', f.address) "
        "ELSE '' END, ', ') "
        "FROM finding f LEFT JOIN vcpu v ON v.id = f.vcpu_id LEFT JOIN vm ON vm.id = f.vm ORDER BY f.ts, f.id");
    while (q.step()) {
        Finding f{q.columnInt(0), q.columnText(1), q.columnText(2), q.columnText(5), q.columnText(4), q.columnInt(3)};
        out[{f.kind, f.severity, f.subject}].push_back(std::move(f));
    }
    return out;
}

std::vector<FindingDifference> findingDifferences(db::Database& a, db::Database& b)
{
    auto inA = findingsBySubject(a);
    auto inB = findingsBySubject(b);
    std::vector<FindingDifference> out;
    for (auto& [key, listA] : inA) {
        std::deque<Finding>& listB = inB[key];
        while (!listA.empty() || !listB.empty()) {
            FindingDifference d;
            const Finding& any = listA.empty() ? listB.front() : listA.front();
            d.kind = any.kind;
            d.severity = any.severity;
            d.subject = any.subject;
            d.explanation = any.explanation;
            if (!listA.empty()) {
                d.idA = listA.front().id;
                d.tsA = listA.front().ts;
                listA.pop_front();
            }
            if (!listB.empty()) {
                d.idB = listB.front().id;
                d.tsB = listB.front().ts;
                listB.pop_front();
            }
            d.presence = !d.idB ? Presence::OnlyA : !d.idA ? Presence::OnlyB : Presence::Both;
            out.push_back(std::move(d));
        }
    }
    for (auto& [key, listB] : inB)
        for (const Finding& f : listB) // subjects A never had (those A had were drained above)
            out.push_back({Presence::OnlyB, f.kind, f.severity, f.subject, std::nullopt, f.id, std::nullopt, f.ts,
                           f.explanation});
    std::stable_sort(out.begin(), out.end(), [](const FindingDifference& x, const FindingDifference& y) {
        const auto time = [](const FindingDifference& d) { return d.tsA ? *d.tsA : d.tsB.value_or(0); };
        return std::tuple(static_cast<int>(x.presence), time(x)) < std::tuple(static_cast<int>(y.presence), time(y));
    });
    return out;
}

struct Flush {
    std::int64_t ts = 0, dur = 0, longest = 0;
};

std::map<std::pair<std::string, std::int64_t>, Flush> flushesOf(db::Database& db)
{
    std::map<std::pair<std::string, std::int64_t>, Flush> out;
    Statement q = db.prepare("SELECT coalesce(vm.name, 'VM ' || f.vm), f.flush_id, f.ts, f.dur, f.longest_segment "
                             "FROM flush f LEFT JOIN vm ON vm.id = f.vm ORDER BY f.vm, f.flush_id");
    while (q.step())
        out[{q.columnText(0), q.columnInt(1)}] = {q.columnInt(2), q.columnInt(3), q.columnInt(4)};
    return out;
}

std::vector<FlushDifference> flushDifferences(db::Database& a, db::Database& b)
{
    const auto inA = flushesOf(a);
    const auto inB = flushesOf(b);
    std::map<std::pair<std::string, std::int64_t>, FlushDifference> out;
    const auto side = [&out](const auto& flushes, auto ts, auto dur, auto longest) {
        for (const auto& [key, f] : flushes) {
            FlushDifference& d = out[key];
            d.vm = key.first;
            d.flushId = key.second;
            d.*ts = f.ts;
            d.*dur = f.dur;
            d.*longest = f.longest;
        }
    };
    side(inA, &FlushDifference::tsA, &FlushDifference::durA, &FlushDifference::longestSegmentA);
    side(inB, &FlushDifference::tsB, &FlushDifference::durB, &FlushDifference::longestSegmentB);
    std::vector<FlushDifference> differing;
    for (auto& [key, d] : out) {
        const bool both = d.durA && d.durB;
        // Durations within a tenth of each other are the same flush for this purpose.
        if (both && std::llabs(*d.durA - *d.durB) * 10 <= std::max(*d.durA, *d.durB))
            continue;
        differing.push_back(std::move(d));
    }
    return differing;
}

// What the guests did, in time order: their markers, SCTLR changes and console output, as "vCPU: what". Traps
// are left out: they are the hypervisor's answer, and two policies differ there by design from the first
// instruction (xen's access tracking faults at once); what the guests then did is the question.
class GuestSequence {
public:
    explicit GuestSequence(db::Database& db)
        : m_query(db.prepare(
              "SELECT ts, e FROM (SELECT m.ts, m.id, coalesce(v.name, m.vcpu_id) || ': marker ' || m.name AS e FROM "
              "marker m LEFT JOIN vcpu v ON v.id = m.vcpu_id UNION ALL SELECT s.ts, s.id, coalesce(v.name, s.vcpu_id) "
              "|| ': SCTLR ' || s.state FROM sctlr_state s LEFT JOIN vcpu v ON v.id = s.vcpu_id WHERE s.ts > 0 "
              "UNION ALL SELECT c.ts, c.id, coalesce(v.name, c.vcpu_id) || ': console \"' || c.text || '\"' FROM "
              "console c LEFT JOIN vcpu v ON v.id = c.vcpu_id) ORDER BY ts, e, id"))
    {
    }
    // The next event, or nullopt at the end.
    std::optional<std::pair<std::int64_t, std::string>> next()
    {
        if (!m_query.step())
            return std::nullopt;
        return std::pair{m_query.columnInt(0), m_query.columnText(1)};
    }

private:
    Statement m_query;
};

std::optional<Divergence> firstDivergence(db::Database& a, db::Database& b)
{
    GuestSequence sa(a);
    GuestSequence sb(b);
    std::string last;
    for (std::int64_t index = 0;; ++index) {
        const auto ea = sa.next();
        const auto eb = sb.next();
        if (!ea && !eb)
            return std::nullopt;
        if (ea && eb && ea->second == eb->second) {
            last = ea->second;
            continue;
        }
        Divergence d;
        d.index = index;
        d.lastCommon = last;
        if (ea) {
            d.eventA = ea->second;
            d.tsA = ea->first;
        }
        if (eb) {
            d.eventB = eb->second;
            d.tsB = eb->first;
        }
        return d;
    }
}

} // namespace

std::size_t RunComparison::count(Presence presence) const
{
    return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                  [presence](const FindingDifference& d) { return d.presence == presence; }));
}

RunComparison compareRuns(db::Database& a, db::Database& b, const std::string& labelA, const std::string& labelB)
{
    RunComparison c;
    c.a = identity(a, labelA);
    c.b = identity(b, labelB);
    c.sameScenario = c.a.scenario == c.b.scenario;
    c.figures = figures(a, b);
    c.findings = findingDifferences(a, b);
    c.flushes = flushDifferences(a, b);
    c.divergence = firstDivergence(a, b);
    return c;
}

} // namespace vcm::analyzer

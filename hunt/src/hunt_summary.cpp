#include "vcm/hunt/hunt_summary.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace vcm::hunt {
namespace {

constexpr std::size_t kFirstFailingSeeds = 10;

std::string percent(double fraction)
{
    return fmt::format("{:.2f}%", fraction * 100);
}

std::string seedRange(const HuntHeader& h)
{
    std::string text = fmt::format("seeds {}..{} ({} per policy", h.firstSeed, h.firstSeed + h.seeds - 1, h.seeds);
    if (h.shardCount > 1 && h.shards.size() != h.shardCount)
        text += fmt::format("; this file holds shard{} {} of {}", h.shards.size() == 1 ? "" : "s",
                            fmt::join(h.shards, ","), h.shardCount);
    return text + ")";
}

std::string textReport(const HuntData& data)
{
    const HuntHeader& h = data.header;
    std::string out = fmt::format("hunt of {} ({}), {}\n", h.scenarioName, h.scenarioFile, seedRange(h));
    if (!h.overrides.empty())
        out += fmt::format("  with --set {}\n", fmt::join(h.overrides, " --set "));
    if (h.seedVaries.empty())
        out += "  the seed varies nothing in this scenario: every seed runs the same\n";
    for (const std::string& v : h.seedVaries)
        out += fmt::format("  the seed varies {}\n", v);
    const std::uint64_t wholeHunt = h.seeds * h.policies.size();
    if (h.interrupted || data.runs.size() != wholeHunt)
        out += fmt::format("  PARTIAL: {} of the hunt's {} runs{}\n", data.runs.size(), wholeHunt,
                           h.interrupted ? " (interrupted)" : "");
    out += fmt::format("\n{:<10} {:>7} {:>9} {:>8}  {:<22} {}\n", "policy", "runs", "failures", "rate",
                       "95% CI (Wilson)", "first failing seeds");
    for (const PolicySummary& p : summarize(data)) {
        std::string seeds = p.firstFailingSeeds.empty() ? "-" : fmt::format("{}", fmt::join(p.firstFailingSeeds, ", "));
        if (p.failures > p.firstFailingSeeds.size())
            seeds += ", ...";
        out += fmt::format("{:<10} {:>7} {:>9} {:>8}  {:<22} {}\n", p.policy, p.runs, p.failures, percent(p.rate.rate),
                           fmt::format("[{}, {}]", percent(p.rate.lower), percent(p.rate.upper)), seeds);
    }
    bool first = true;
    for (const RunRecord& r : data.runs) {
        if (!r.unfinished())
            continue;
        if (first)
            out += "\nruns that did not finish (not counted above; replay them with vcm run --seed):\n";
        first = false;
        out += fmt::format("  {} seed {}: {}: {}\n", r.policy, r.seed, r.verdict, r.detail);
    }
    return out;
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (const char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string csvReport(const HuntData& data)
{
    std::string out = "policy,seed,verdict,failed,stale_reads,clobbers,stale_windows,migrations,"
                      "max_unpreempted_flush_ns,vtime_ns,instructions,host_seconds,detail\n";
    for (const RunRecord& r : data.runs)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.6f},{}\n", csvField(r.policy), r.seed, r.verdict,
                           r.failed() ? 1 : 0, r.staleReads, r.clobbers, r.staleWindows, r.migrations,
                           r.maxUnpreemptedFlushNs, r.vtimeNs, r.instructions, r.hostSeconds, csvField(r.detail));
    return out;
}

std::string jsonReport(const HuntData& data)
{
    const HuntHeader& h = data.header;
    nlohmann::json policies = nlohmann::json::array();
    for (const PolicySummary& p : summarize(data)) {
        nlohmann::json unfinished = nlohmann::json::array();
        for (const RunRecord* r : p.unfinished)
            unfinished.push_back({{"seed", r->seed}, {"verdict", r->verdict}, {"detail", r->detail}});
        policies.push_back({{"policy", p.policy},
                            {"runs", p.runs},
                            {"failures", p.failures},
                            {"rate", p.rate.rate},
                            {"ci95", {p.rate.lower, p.rate.upper}},
                            {"first_failing_seeds", p.firstFailingSeeds},
                            {"unfinished", unfinished}});
    }
    nlohmann::json runs = nlohmann::json::array();
    for (const RunRecord& r : data.runs)
        runs.push_back(nlohmann::json::parse(toJson(r)));
    const nlohmann::json document = {{"scenario", h.scenarioName},
                                     {"scenario_file", h.scenarioFile},
                                     {"scenario_hash", h.scenarioHash},
                                     {"vcm_version", h.vcmVersion},
                                     {"overrides", h.overrides},
                                     {"first_seed", h.firstSeed},
                                     {"seeds", h.seeds},
                                     {"shard_count", h.shardCount},
                                     {"shards", h.shards},
                                     {"seed_varies", h.seedVaries},
                                     {"complete", data.runs.size() == h.plannedRuns()},
                                     {"interrupted", h.interrupted},
                                     {"policies", policies},
                                     {"runs", runs}};
    return document.dump(2) + "\n";
}

} // namespace

std::vector<PolicySummary> summarize(const HuntData& data)
{
    std::vector<PolicySummary> summaries;
    for (const std::string& policy : data.header.policies) {
        PolicySummary s;
        s.policy = policy;
        for (const RunRecord& r : data.runs) {
            if (r.policy != policy)
                continue;
            if (r.unfinished()) {
                s.unfinished.push_back(&r);
                continue;
            }
            ++s.runs;
            if (r.failed()) {
                ++s.failures;
                if (s.firstFailingSeeds.size() < kFirstFailingSeeds)
                    s.firstFailingSeeds.push_back(r.seed);
            }
        }
        s.rate = wilsonInterval(s.failures, s.runs);
        summaries.push_back(std::move(s));
    }
    return summaries;
}

std::string renderHuntReport(const HuntData& data, HuntReportFormat format)
{
    switch (format) {
    case HuntReportFormat::Csv:
        return csvReport(data);
    case HuntReportFormat::Json:
        return jsonReport(data);
    case HuntReportFormat::Text:
        break;
    }
    return textReport(data);
}

} // namespace vcm::hunt

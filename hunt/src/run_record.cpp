#include "vcm/hunt/run_record.h"

#include "vcm/hunt/hunt_error.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace vcm::hunt {

bool RunRecord::failed() const
{
    return verdict == "FAIL" || verdict == "STALE" || verdict == "FAULT" || verdict == "TIMEOUT";
}

bool RunRecord::unfinished() const
{
    return verdict == "CRASH" || verdict == "HUNG" || verdict == "ERROR";
}

RunRecord recordOf(const hyp::scenario::RunReport& report, double hostSeconds)
{
    RunRecord r;
    r.policy = report.policy;
    r.seed = report.seed;
    r.staleReads = report.staleReads;
    r.clobbers = report.clobbers;
    r.staleWindows = report.staleWindows;
    r.migrations = report.migrations;
    r.maxUnpreemptedFlushNs = report.maxUnpreemptedFlushNs;
    r.vtimeNs = report.vtimeNs;
    r.instructions = report.instructions;
    r.hostSeconds = hostSeconds;
    r.verdict = hyp::scenario::runVerdict(report);
    for (const auto& guest : report.guests)
        r.detail += (r.detail.empty() ? "" : ", ") + guest.name + " " + guest.verdict;
    return r;
}

void sortRuns(std::vector<RunRecord>& runs, const std::vector<std::string>& policies)
{
    const auto policyIndex = [&policies](const std::string& p) {
        return std::find(policies.begin(), policies.end(), p) - policies.begin();
    };
    std::sort(runs.begin(), runs.end(), [&](const RunRecord& a, const RunRecord& b) {
        const auto pa = policyIndex(a.policy);
        const auto pb = policyIndex(b.policy);
        return pa != pb ? pa < pb : a.seed < b.seed;
    });
}

std::string toJson(const RunRecord& r)
{
    const nlohmann::json j = {{"policy", r.policy},
                              {"seed", r.seed},
                              {"verdict", r.verdict},
                              {"stale_reads", r.staleReads},
                              {"clobbers", r.clobbers},
                              {"stale_windows", r.staleWindows},
                              {"migrations", r.migrations},
                              {"max_unpreempted_flush_ns", r.maxUnpreemptedFlushNs},
                              {"vtime_ns", r.vtimeNs},
                              {"instructions", r.instructions},
                              {"host_seconds", r.hostSeconds},
                              {"detail", r.detail}};
    return j.dump();
}

RunRecord runRecordFromJson(const std::string& text)
{
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        RunRecord r;
        r.policy = j.at("policy").get<std::string>();
        r.seed = j.at("seed").get<std::uint64_t>();
        r.verdict = j.at("verdict").get<std::string>();
        r.staleReads = j.at("stale_reads").get<std::uint64_t>();
        r.clobbers = j.at("clobbers").get<std::uint64_t>();
        r.staleWindows = j.at("stale_windows").get<std::uint64_t>();
        r.migrations = j.at("migrations").get<std::uint64_t>();
        r.maxUnpreemptedFlushNs = j.at("max_unpreempted_flush_ns").get<double>();
        r.vtimeNs = j.at("vtime_ns").get<double>();
        r.instructions = j.at("instructions").get<std::uint64_t>();
        r.hostSeconds = j.at("host_seconds").get<double>();
        r.detail = j.at("detail").get<std::string>();
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw HuntError(std::string("a worker's record is not readable: ") + e.what());
    }
}

} // namespace vcm::hunt

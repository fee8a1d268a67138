// What a hunt found, per policy: failures over finished runs with their 95 % Wilson interval, the first
// failing seeds, and the runs that never finished -- and the renderings of `vcm hunt` and `vcm hunt report`.
#pragma once

#include "vcm/hunt/hunt_database.h"
#include "vcm/hunt/wilson_interval.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vcm::hunt {

struct PolicySummary {
    std::string policy;
    std::uint64_t runs = 0;       // finished runs: what the rate is over
    std::uint64_t failures = 0;
    RateInterval rate;
    std::vector<std::uint64_t> firstFailingSeeds; // up to 10, ascending
    std::vector<const RunRecord*> unfinished;     // CRASH, HUNG, ERROR: reported with their seeds
};

std::vector<PolicySummary> summarize(const HuntData& data);

enum class HuntReportFormat { Text, Csv, Json };
// Text: the header, what the seed varies, the per-policy table and the unfinished runs. Csv: one line per run
// (the hunt_run table). Json: the header, the summary and every run.
std::string renderHuntReport(const HuntData& data, HuntReportFormat format);

} // namespace vcm::hunt

// vcm replay --what-if: the recorded run again under another policy or knob, both traces through the
// analyzer, and what changed: every built-in measure (stale reads, the longest unpreempted flush, ...) and
// the findings by kind, with the first finding that appeared or went away.
#pragma once

#include "vcm/replay/recorded_run.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vcm::replay {

struct MeasureChange {
    std::string measure;
    std::int64_t before = 0;
    std::int64_t after = 0;
};

struct FindingChange {
    std::string kind;
    std::int64_t before = 0;
    std::int64_t after = 0;
    std::string example; // the first finding of this kind in the run that has more of them
};

struct WhatIf {
    std::vector<std::string> overrides;
    std::vector<MeasureChange> measures;  // all of them, changed or not
    std::vector<FindingChange> findings;  // the kinds whose count changed
    std::string verdictsBefore;           // each guest's verdict, "d1v0 FAIL"
    std::string verdictsAfter;
};

// `changes` are "key=value" scenario overrides; "policy=NAME" is short for policy.name="NAME".
WhatIf whatIf(const RecordedRun& run, const std::vector<std::string>& changes,
              const std::filesystem::path& guestDirectory);

// "policy=xen" -> "policy.name=\"xen\""; other assignments unchanged.
std::string whatIfOverride(const std::string& change);

std::string toText(const WhatIf& result);

} // namespace vcm::replay

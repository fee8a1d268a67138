// The scenario a hunt runs over many seeds: its identity (so that shards of different scenarios are never
// merged) and what its seed changes (so that a user knows what was explored, and is warned when nothing is).
#pragma once

#include "vcm/hyp/scenario/scenario.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vcm::hunt {

struct HuntScenario {
    std::filesystem::path file;
    std::vector<std::string> overrides; // the user's --set assignments, applied to every run
    std::string name;
    std::string policy; // the policy the scenario names; its knobs apply only under it
    std::vector<std::string> knobs; // the names of its knobs ([policy.knobs])
    // "sha256:..." of the scenario text, the overrides and the content of every guest program it runs: equal
    // hashes, same runs for the same policy and seed.
    std::string hash;
    // One line per thing the seed changes, e.g. "scheduler.forced_migration_percent = 2: which slice ends move
    // a vCPU to another core". Empty: every seed runs the same.
    std::vector<std::string> seedVaries;
};

// Loads and checks the scenario once (errors name the file and line) and describes it.
HuntScenario describeHuntScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                  const std::filesystem::path& guestDirectory);

// Throws HuntError when the scenario cannot be hunted under `policy`: it sets knobs of its own policy, which
// another policy does not have (vcm matrix drops them; a hunt cannot, since its recordings must replay).
void checkPolicy(const HuntScenario& scenario, const std::string& policy);

// The scenario of one run: exactly what `vcm run FILE --set ... --policy POLICY --seed SEED` runs, so that the
// hunt's row, its recording and `vcm replay` of that recording all agree.
hyp::scenario::Scenario scenarioForRun(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed);
std::vector<std::string> runOverrides(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed);

} // namespace vcm::hunt

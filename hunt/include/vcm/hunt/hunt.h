// vcm hunt: one scenario over many seeds under several policies, each seed a full deterministic run in a
// worker process of its own, counted per policy (docs/hunt.md).
#pragma once

#include "vcm/hunt/hunt_scenario.h"
#include "vcm/hunt/run_record.h"
#include "vcm/hunt/seed_shard.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace vcm::hunt {

struct HuntOptions {
    std::vector<std::string> policies;
    std::uint64_t firstSeed = 1;
    std::uint64_t seeds = 100; // per policy, over all shards
    SeedShard shard;
    unsigned jobs = 1;
    std::chrono::milliseconds runTimeLimit{std::chrono::minutes(10)}; // host time; a run past it is HUNG
    std::filesystem::path guestDirectory;
};

struct HuntProgress {
    std::size_t done = 0;
    std::size_t total = 0;
    std::vector<std::uint64_t> failures;   // per policy, in the order of HuntOptions::policies
    std::uint64_t unfinished = 0;          // CRASH, HUNG, ERROR so far
    double elapsedSeconds = 0;
    const RunRecord* last = nullptr;       // the run that just ended
};

struct HuntResult {
    std::vector<RunRecord> runs; // ordered by policy (as given), then seed
    bool interrupted = false;
    double hostSeconds = 0;
};

// Runs every (policy, seed) of the options' shard. `progress` is called after each run; `stopRequested` is
// polled (a Ctrl-C handler's flag): when it says stop, the running runs are killed and the result holds the
// runs that ended. Throws HuntError for options that cannot be run (no policies, a scenario whose knobs belong
// to another policy).
HuntResult runHunt(const HuntScenario& scenario, const HuntOptions& options,
                   const std::function<void(const HuntProgress&)>& progress,
                   const std::function<bool()>& stopRequested);

// A finished run of one seed, in this process: what a worker does, and what a recording repeats with a trace.
RunRecord runSeed(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed,
                  const std::filesystem::path& guestDirectory);

} // namespace vcm::hunt

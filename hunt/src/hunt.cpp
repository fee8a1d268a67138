#include "vcm/hunt/hunt.h"

#include "vcm/hunt/forked_workers.h"
#include "vcm/hunt/hunt_error.h"
#include "vcm/hyp/policy/cache_policy.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <csignal>
#include <unistd.h>

namespace vcm::hunt {
namespace {

using Clock = std::chrono::steady_clock;

struct PlannedRun {
    std::size_t policy = 0;
    std::uint64_t seed = 0;
};

// A fault-injection hook for the harness's own tests (docs/hunt.md): VCM_HUNT_INJECT=crash:SEED or hang:SEED
// makes the worker of that seed abort or sleep forever, as a model bug would. Nothing else reads it.
void injectFault(std::uint64_t seed)
{
    const char* spec = std::getenv("VCM_HUNT_INJECT");
    if (spec == nullptr)
        return;
    const std::string text(spec);
    if (text == fmt::format("crash:{}", seed))
        std::abort();
    if (text == fmt::format("hang:{}", seed))
        for (;;)
            ::pause();
}

RunRecord unfinished(const std::string& policy, std::uint64_t seed, const char* verdict, const WorkerOutcome& outcome)
{
    RunRecord r;
    r.policy = policy;
    r.seed = seed;
    r.verdict = verdict;
    r.hostSeconds = outcome.hostSeconds;
    r.detail = outcome.reason;
    return r;
}

} // namespace

RunRecord runSeed(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed,
                  const std::filesystem::path& guestDirectory)
{
    injectFault(seed);
    const hyp::scenario::Scenario s = scenarioForRun(scenario, policy, seed);
    const auto started = Clock::now();
    const hyp::scenario::RunReport report = hyp::scenario::runScenario(s, guestDirectory);
    return recordOf(report, std::chrono::duration<double>(Clock::now() - started).count());
}

HuntResult runHunt(const HuntScenario& scenario, const HuntOptions& options,
                   const std::function<void(const HuntProgress&)>& progress,
                   const std::function<bool()>& stopRequested)
{
    if (options.policies.empty())
        throw HuntError("a hunt needs at least one policy (--policies native,xen)");
    const std::vector<std::string> known = hyp::policy::policyNames();
    for (const std::string& p : options.policies) {
        if (std::find(known.begin(), known.end(), p) == known.end())
            throw HuntError(fmt::format("--policies: no policy named {} (there are: {})", p, fmt::join(known, ", ")));
        checkPolicy(scenario, p);
    }
    if (options.seeds == 0)
        throw HuntError("--seeds must be at least 1");
    // Seed-major order: a hunt stopped half-way has compared the policies on the same seeds.
    std::vector<PlannedRun> plan;
    for (const std::uint64_t seed : shardSeeds(options.firstSeed, options.seeds, options.shard))
        for (std::size_t p = 0; p < options.policies.size(); ++p)
            plan.push_back({p, seed});

    HuntResult result;
    HuntProgress state;
    state.total = plan.size();
    state.failures.assign(options.policies.size(), 0);
    const auto started = Clock::now();
    ForkedWorkers workers(options.jobs, options.runTimeLimit);
    const auto task = [&](std::size_t i) {
        return toJson(runSeed(scenario, options.policies[plan[i].policy], plan[i].seed, options.guestDirectory));
    };
    const auto done = [&](std::size_t i, const WorkerOutcome& outcome) {
        const std::string& policy = options.policies[plan[i].policy];
        RunRecord record;
        switch (outcome.kind) {
        case WorkerOutcome::Kind::Finished:
            record = runRecordFromJson(outcome.output);
            break;
        case WorkerOutcome::Kind::Failed:
            record = unfinished(policy, plan[i].seed, "ERROR", outcome);
            break;
        case WorkerOutcome::Kind::Crashed:
            record = unfinished(policy, plan[i].seed, "CRASH", outcome);
            break;
        case WorkerOutcome::Kind::Hung:
            record = unfinished(policy, plan[i].seed, "HUNG", outcome);
            break;
        }
        result.runs.push_back(std::move(record));
        const RunRecord& r = result.runs.back();
        ++state.done;
        state.failures[plan[i].policy] += r.failed() ? 1u : 0u;
        state.unfinished += r.unfinished() ? 1u : 0u;
        state.elapsedSeconds = std::chrono::duration<double>(Clock::now() - started).count();
        state.last = &r;
        if (progress)
            progress(state);
    };
    result.interrupted = !workers.run(plan.size(), task, done, stopRequested);
    result.hostSeconds = std::chrono::duration<double>(Clock::now() - started).count();
    sortRuns(result.runs, options.policies);
    return result;
}

} // namespace vcm::hunt

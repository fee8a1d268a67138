// vcm hunt SCENARIO --policies P,Q --seeds N [--jobs J] [--shard K/N] [-o HUNT.db]   run and count
// vcm hunt report HUNT.db [--format text|csv|json] [-o FILE]                          print or export
// vcm hunt merge A.db B.db ... -o ALL.db [--allow-missing]                            combine shards
// Exit status: 0 no run failed, 1 some run failed or did not finish (or a recording did not reproduce its
// run), 2 unusable input, 130 interrupted (the partial result is written and printed).
#include "hunt_command.h"

#include "atomic_output.h"
#include "hunt_progress.h"
#include "vcm/db/database.h"
#include "vcm/hunt/forked_workers.h"
#include "vcm/hunt/hunt.h"
#include "vcm/hunt/hunt_error.h"
#include "vcm/hunt/hunt_merge.h"
#include "vcm/hunt/hunt_summary.h"
#include "vcm/hunt/seed_recording.h"
#include "vcm/hyp/scenario/scenario_run.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

namespace vcm::hunt::cli {
namespace {

struct HuntOptionsCli {
    std::string scenario;
    std::vector<std::string> policies = {"native", "xen"};
    std::uint64_t seeds = 100;
    std::uint64_t firstSeed = 1;
    unsigned jobs = 0;
    std::string shard;
    std::string output;
    std::vector<std::string> overrides;
    std::optional<std::uint64_t> recordSeed;
    bool noRecord = false;
    double runTimeoutSeconds = 600;
    std::string guestDirectory;
    bool quiet = false;
};

std::filesystem::path defaultOutput(const HuntScenario& scenario, const SeedShard& shard)
{
    if (shard.whole())
        return scenario.name + "-hunt.db";
    return fmt::format("{}-hunt-shard{}of{}.db", scenario.name, shard.index, shard.count);
}

bool sameOutcome(const RunRecord& a, const RunRecord& b)
{
    return a.verdict == b.verdict && a.staleReads == b.staleReads && a.clobbers == b.clobbers &&
           a.staleWindows == b.staleWindows && a.migrations == b.migrations && a.vtimeNs == b.vtimeNs &&
           a.instructions == b.instructions && a.maxUnpreemptedFlushNs == b.maxUnpreemptedFlushNs;
}

// Which (policy, seed) runs to trace: --record SEED under every policy, else each policy's first failure.
std::vector<const RunRecord*> runsToRecord(const HuntOptionsCli& o, const HuntData& data)
{
    std::vector<const RunRecord*> chosen;
    if (o.noRecord)
        return chosen;
    for (const std::string& policy : data.header.policies)
        for (const RunRecord& r : data.runs)
            if (r.policy == policy && (o.recordSeed ? r.seed == *o.recordSeed : r.failed())) {
                chosen.push_back(&r);
                break;
            }
    return chosen;
}

// Traces each chosen run again and checks that it found what the hunt's run found: a hunt is only as good as
// its determinism, and this is where a break would show.
bool recordRuns(const HuntOptionsCli& o, const HuntScenario& scenario, const HuntData& data,
                const std::filesystem::path& output, const std::filesystem::path& guests)
{
    bool reproduced = true;
    for (const RunRecord* run : runsToRecord(o, data)) {
        const std::filesystem::path trace = recordingDirectory(output, run->policy, run->seed);
        fmt::print("\nrecording {} seed {} ({}) into {} ...\n", run->policy, run->seed, run->verdict, trace.string());
        std::fflush(stdout);
        const SeedRecording r = recordSeed(scenario, run->policy, run->seed, trace, guests);
        const bool same = sameOutcome(r.record, *run);
        reproduced = reproduced && same;
        fmt::print("  {}: {} events, {} findings{}\n", r.database.string(), r.events, r.findings,
                   r.lostEvents != 0 ? fmt::format(", {} events LOST (the trace will not replay)", r.lostEvents) : "");
        if (same)
            fmt::print("  the traced run found what the hunt's did ({}, {} stale reads, {} clobbers)\n"
                       "  next: vcm report {}   vcm-gui {}   vcm replay {}\n",
                       r.record.verdict, r.record.staleReads, r.record.clobbers, r.database.string(),
                       r.database.string(), trace.string());
        else
            fmt::print("  NOT REPRODUCED: the hunt's run found {} ({} stale reads, {} instructions), the traced run "
                       "{} ({} stale reads, {} instructions): the runs are not deterministic -- please report it\n",
                       run->verdict, run->staleReads, run->instructions, r.record.verdict, r.record.staleReads,
                       r.record.instructions);
    }
    return reproduced;
}

int hunt(const HuntOptionsCli& o)
{
    const std::filesystem::path guests =
        o.guestDirectory.empty() ? hyp::scenario::defaultGuestDirectory() : std::filesystem::path(o.guestDirectory);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.scenario, ec))
        throw HuntError(fmt::format("{}: no such scenario file", o.scenario));
    const HuntScenario scenario = describeHuntScenario(o.scenario, o.overrides, guests);
    HuntOptions options;
    options.policies = o.policies;
    options.seeds = o.seeds;
    options.firstSeed = o.firstSeed;
    options.shard = o.shard.empty() ? SeedShard{} : parseSeedShard(o.shard);
    options.jobs = o.jobs != 0 ? o.jobs : availableCpus();
    options.runTimeLimit = std::chrono::milliseconds(static_cast<std::int64_t>(o.runTimeoutSeconds * 1000));
    options.guestDirectory = guests;
    const std::filesystem::path output =
        o.output.empty() ? defaultOutput(scenario, options.shard) : std::filesystem::path(o.output);
    if (scenario.seedVaries.empty())
        fmt::print(stderr, "vcm hunt: warning: nothing in {} varies with the seed (no forced migration, speculation or "
                           "random replacement): every seed runs the same, so the hunt can only find what one run "
                           "finds\n",
                   o.scenario);
    const std::size_t runs = shardSeeds(options.firstSeed, options.seeds, options.shard).size() * options.policies.size();
    fmt::print("hunting {} over {} seed{} from {}{} under {}: {} runs in {} worker process{}\n", scenario.name,
               options.seeds, options.seeds == 1 ? "" : "s", options.firstSeed,
               options.shard.whole() ? "" : fmt::format(" (shard {}/{})", options.shard.index, options.shard.count),
               fmt::join(options.policies, ", "), runs, options.jobs, options.jobs == 1 ? "" : "es");
    std::fflush(stdout);

    HuntResult result;
    {
        HuntProgressLine progress(options.policies, o.quiet);
        result = runHunt(scenario, options, [&progress](const HuntProgress& p) { progress.update(p); },
                         &HuntProgressLine::stopRequested);
    }
    HuntData data;
    data.header.vcmVersion = std::string(hyp::scenario::vcmVersion());
    data.header.scenarioName = scenario.name;
    data.header.scenarioFile = scenario.file.string();
    data.header.scenarioHash = scenario.hash;
    data.header.overrides = scenario.overrides;
    data.header.policies = options.policies;
    data.header.seedVaries = scenario.seedVaries;
    data.header.firstSeed = options.firstSeed;
    data.header.seeds = options.seeds;
    data.header.shardCount = options.shard.count;
    data.header.shards = {options.shard.index};
    data.header.interrupted = result.interrupted;
    data.runs = std::move(result.runs);
    writeHuntDatabase(output, data);

    fmt::print("\n{}", renderHuntReport(data, HuntReportFormat::Text));
    fmt::print("\n{} runs in {:.1f} s of host time ({:.2f} runs/s); results in {} (vcm hunt report, vcm query)\n",
               data.runs.size(), result.hostSeconds,
               result.hostSeconds > 0 ? static_cast<double>(data.runs.size()) / result.hostSeconds : 0.0, output.string());
    if (result.interrupted) {
        fmt::print(stderr, "vcm hunt: interrupted: {} of {} runs ended; the results cover those\n", data.runs.size(), runs);
        return 130;
    }
    // A hunt over seeds that change nothing observable counts one run many times: say so.
    const auto differs = [&data](const RunRecord& r) {
        return r.policy == data.runs.front().policy && !sameOutcome(r, data.runs.front());
    };
    if (data.runs.size() > options.policies.size() && std::none_of(data.runs.begin(), data.runs.end(), differs))
        fmt::print("every run under {} was the same: the seed changed nothing this scenario can observe\n",
                   data.runs.front().policy);
    const bool reproduced = recordRuns(o, scenario, data, output, guests);
    const bool clean = std::none_of(data.runs.begin(), data.runs.end(),
                                    [](const RunRecord& r) { return r.failed() || r.unfinished(); });
    return clean && reproduced ? 0 : 1;
}

int report(const std::string& database, const std::string& format, const std::string& output)
{
    const HuntData data = readHuntDatabase(database);
    const HuntReportFormat f = format == "csv"    ? HuntReportFormat::Csv
                               : format == "json" ? HuntReportFormat::Json
                                                  : HuntReportFormat::Text;
    const std::string text = renderHuntReport(data, f);
    if (output.empty()) {
        std::cout << text;
        return 0;
    }
    analyzer::cli::AtomicOutputFile file(output);
    file.stream() << text;
    file.commit();
    return 0;
}

int merge(const std::vector<std::string>& inputs, const std::string& output, bool allowMissing)
{
    std::vector<std::filesystem::path> files(inputs.begin(), inputs.end());
    MergeOptions options;
    options.allowMissingShards = allowMissing;
    const HuntData merged = mergeHunts(files, options);
    writeHuntDatabase(output, merged);
    // A complete merge is the unsharded hunt (one shard of one); a partial one keeps its shards' numbering.
    const std::string held = merged.header.shardCount == 1
                                 ? std::string("every shard: the whole hunt")
                                 : fmt::format("shards {} of {} only", fmt::join(merged.header.shards, ","),
                                               merged.header.shardCount);
    fmt::print("{}: {} runs from {} file{} ({})\n", output, merged.runs.size(), files.size(),
               files.size() == 1 ? "" : "s", held);
    fmt::print("\n{}", renderHuntReport(merged, HuntReportFormat::Text));
    return 0;
}

// Every failure of the hunt's own making is an unusable input: exit 2 with the message.
int guarded(const std::function<int()>& body)
{
    try {
        return body();
    } catch (const HuntError& e) {
        fmt::print(stderr, "vcm hunt: {}\n", e.what());
    } catch (const db::DatabaseError& e) {
        fmt::print(stderr, "vcm hunt: {}\n", e.what());
    } catch (const hyp::scenario::ScenarioError& e) {
        fmt::print(stderr, "vcm hunt: {}\n", e.what());
    }
    return 2;
}

} // namespace

HuntCommand addHuntCommand(CLI::App& parent)
{
    auto o = std::make_shared<HuntOptionsCli>();
    CLI::App* app = parent.add_subcommand(
        "hunt", "Run a scenario over many seeds under several policies and count the failures (docs/hunt.md)");
    app->require_subcommand(0, 1);
    app->add_option("scenario", o->scenario, "Scenario file");
    app->add_option("--policies", o->policies, "Comma-separated policies (default native,xen)")->delimiter(',');
    app->add_option("--seeds", o->seeds, "Seeds per policy (default 100)")->check(CLI::PositiveNumber);
    app->add_option("--first-seed", o->firstSeed, "The first seed (default 1): seeds FIRST .. FIRST+N-1");
    app->add_option("-j,--jobs", o->jobs, "Worker processes (default: the CPUs this process may use)")
        ->check(CLI::Range(1, 1024));
    app->add_option("--shard", o->shard, "Run only the K-th of N disjoint slices of the seeds (K from 0: "
                                         "$SLURM_ARRAY_TASK_ID/N)");
    app->add_option("-o,--output", o->output, "Hunt database to write (default SCENARIO-hunt.db; replaced atomically)");
    app->add_option("--set", o->overrides, "Override a scenario key in every run: dotted.key=value (repeatable)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    auto* record = app->add_option("--record", o->recordSeed,
                                   "Trace this seed under every policy after the hunt (default: each policy's first "
                                   "failure)");
    app->add_flag("--no-record", o->noRecord, "Trace nothing after the hunt")->excludes(record);
    app->add_option("--run-timeout", o->runTimeoutSeconds,
                    "Host time a run may take before it is killed and reported HUNG (seconds, or with a unit: "
                    "500ms, 10min; default 600)")
        ->transform(CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1}, {"min", 60}}))
        ->check(CLI::PositiveNumber);
    app->add_option("--guest-dir", o->guestDirectory, "Where guest programs are (default: the build's)");
    app->add_flag("-q,--quiet", o->quiet, "No progress line");

    struct ReportOptions {
        std::string database;
        std::string format = "text";
        std::string output;
    };
    auto r = std::make_shared<ReportOptions>();
    CLI::App* reportApp = app->add_subcommand("report", "Print or export a hunt's results");
    reportApp->add_option("database", r->database, "Hunt database (from vcm hunt or vcm hunt merge)")->required();
    reportApp->add_option("--format", r->format, "text (default: per-policy rates), csv or json (every run)")
        ->check(CLI::IsMember({"text", "csv", "json"}));
    reportApp->add_option("-o,--output", r->output, "Write to this file (atomically) instead of stdout");

    struct MergeOptionsCli {
        std::vector<std::string> inputs;
        std::string output;
        bool allowMissing = false;
    };
    auto m = std::make_shared<MergeOptionsCli>();
    CLI::App* mergeApp = app->add_subcommand("merge", "Combine the shards of one hunt into one database");
    mergeApp->add_option("shards", m->inputs, "The shards' hunt databases")->required();
    mergeApp->add_option("-o,--output", m->output, "Merged hunt database to write (replaced atomically)")->required();
    mergeApp->add_flag("--allow-missing", m->allowMissing, "Merge even when some shards are missing (a partial hunt)");

    return {app, [o, r, m, app, reportApp, mergeApp] {
                if (reportApp->parsed())
                    return guarded([&] { return report(r->database, r->format, r->output); });
                if (mergeApp->parsed())
                    return guarded([&] { return merge(m->inputs, m->output, m->allowMissing); });
                if (o->scenario.empty()) {
                    fmt::print(stderr, "vcm hunt: a scenario file is required (or: vcm hunt report, vcm hunt merge)\n");
                    return 2;
                }
                (void)app;
                return guarded([&] { return hunt(*o); });
            }};
}

} // namespace vcm::hunt::cli

// vcm run SCENARIO [--policy P] [--set key=value]... [--trace DIR | --flight-recorder DIR | --live]
#include "hyp_commands.h"
#include "run_progress.h"
#include "scenario_arguments.h"

#include "vcm/tracer/time_units.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/tracer/flight_recorder_sink.h"
#include "vcm/tracer/lttng_event_sink.h"
#include "vcm/tracer/trace_session.h"

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vcm::hyp::cli {
namespace {

struct RunOptions {
    std::string scenario;
    std::string policy;
    std::vector<std::string> overrides;
    std::optional<std::uint64_t> seed;
    bool json = false;
    std::string guestDirectory;
    std::string trace;          // --trace DIR
    std::string flightRecorder; // --flight-recorder DIR
    bool live = false;
    std::uint64_t liveWaitMs = 0;
    bool snapshotAtExit = false;
    std::uint64_t snapshotFlushNs = 1'000'000;
    bool failOnLoss = false;
    std::uint64_t subbufferBytes = 1u << 20;
    std::uint64_t subbufferCount = 16;
    std::string saveFlash1; // --save-flash1 FILE
};

// Exit status: 0 when every guest finished, whatever it found; 3 when a guest faulted or ran out of budget.
int runScenarioCommand(const RunOptions& options)
{
    namespace sc = scenario;
    const sc::Scenario scenario =
        sc::loadScenario(options.scenario, withPolicyAndSeed(options.overrides, options.policy, options.seed));
    sc::RunReport report;
    const std::string traceDirectory = !options.trace.empty() ? options.trace : options.flightRecorder;
    std::optional<RunProgress> progress(std::in_place);
    sc::RunHooks hooks;
    hooks.progress = [&progress](const sc::RunHooks::Progress& p) { return progress->update(p); };
    hooks.saveFlash1 = options.saveFlash1;
    if (options.live) {
        vcm::tracer::TraceSessionOptions sessionOptions;
        sessionOptions.live = true;
        sessionOptions.subbufferBytes = options.subbufferBytes;
        sessionOptions.subbufferCount = options.subbufferCount;
        vcm::tracer::TraceSession session(sessionOptions);
        // The URL goes to stderr at once, so a viewer can attach while the run goes (stdout is the report).
        fmt::print(stderr, "vcm: live trace at {}\n", session.liveUrl());
        std::fflush(stderr);
        std::this_thread::sleep_for(std::chrono::milliseconds(options.liveWaitMs));
        vcm::tracer::LttngEventSink lttng;
        report = sc::runScenario(scenario, guestDirectory(options.guestDirectory), &lttng, hooks);
        const vcm::tracer::TraceLoss loss = session.stop();
        report.trace = session.liveUrl();
        report.discardedEvents = loss.discardedEvents;
        report.lostPackets = loss.lostPackets;
    } else if (traceDirectory.empty()) {
        report = sc::runScenario(scenario, guestDirectory(options.guestDirectory), nullptr, hooks);
    } else {
        vcm::tracer::TraceSessionOptions sessionOptions;
        sessionOptions.output = traceDirectory;
        sessionOptions.flightRecorder = !options.flightRecorder.empty();
        sessionOptions.subbufferBytes = options.subbufferBytes;
        sessionOptions.subbufferCount = options.subbufferCount;
        vcm::tracer::TraceSession session(sessionOptions);
        vcm::tracer::LttngEventSink lttng;
        std::string snapshotReason;
        vcm::tracer::FlightRecorderSink recorder(lttng, options.snapshotFlushNs, [&](const std::string& reason) {
            snapshotReason = reason;
            session.snapshot();
        });
        vcm::tracer::EventSink* sink =
            sessionOptions.flightRecorder ? static_cast<vcm::tracer::EventSink*>(&recorder) : &lttng;
        report = sc::runScenario(scenario, guestDirectory(options.guestDirectory), sink, hooks);
        if (sessionOptions.flightRecorder && options.snapshotAtExit) {
            session.snapshot();
            if (snapshotReason.empty())
                snapshotReason = "at exit";
        }
        const vcm::tracer::TraceLoss loss = session.stop();
        report.trace = traceDirectory;
        report.discardedEvents = loss.discardedEvents;
        report.lostPackets = loss.lostPackets;
        report.snapshotReason = snapshotReason;
    }
    const bool interrupted = progress->interrupted();
    progress.reset(); // the progress line goes before the summary
    if (interrupted)
        fmt::print(stderr, "vcm: interrupted: the run stopped after {} instructions; the summary{} covers what ran\n",
                   report.instructions, report.trace.empty() ? "" : " and the trace");
    std::fputs((options.json ? sc::toJson(report) + "\n" : sc::toText(report)).c_str(), stdout);
    if (interrupted)
        return 130;
    if (options.failOnLoss && (report.discardedEvents != 0 || report.lostPackets != 0))
        return 4;
    return report.completed ? 0 : 3;
}

} // namespace

Command addRunCommand(CLI::App& parent)
{
    auto options = std::make_shared<RunOptions>();
    RunOptions& run = *options;
    CLI::App* runCommand = parent.add_subcommand("run", "Run a scenario (TOML) and print its summary");
    runCommand->add_option("scenario", run.scenario, "Scenario file")->required()->check(CLI::ExistingFile);
    runCommand->add_option("--policy", run.policy, "Override the scenario's policy");
    runCommand->add_option("--set", run.overrides, "Override a scenario key: dotted.key=value (repeatable)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    runCommand->add_option("--seed", run.seed, "Override the scenario's seed");
    runCommand->add_option("--save-flash1", run.saveFlash1,
                           "After the run, write the board's flash bank 1 (e.g. EDK2's variable store) to this file");
    runCommand->add_flag("--json", run.json, "Print one JSON object instead of the readable summary");
    runCommand->add_option("--guest-dir", run.guestDirectory, "Where guest programs are (default: the build's)");
    auto* traceOption = runCommand->add_option("--trace", run.trace, "Record an LTTng (CTF) trace into this directory");
    auto* flightOption =
        runCommand
            ->add_option("--flight-recorder", run.flightRecorder,
                         "Keep the trace in memory; write a snapshot here at the first stale read, clobber or "
                         "long flush segment")
            ->excludes(traceOption);
    runCommand->add_flag("--live", run.live, "Stream the trace live through lttng-relayd; prints the URL on stderr")
        ->excludes(traceOption)
        ->excludes(flightOption);
    runCommand
        ->add_option("--live-wait-ms", run.liveWaitMs,
                     "Live: wait this long for a viewer before running (ms, or with a unit: 2s)")
        ->transform(CLI::AsNumberWithUnit(tracer::millisecondUnits()));
    runCommand->add_flag("--snapshot-at-exit", run.snapshotAtExit, "Flight recorder: also snapshot at the end");
    runCommand->add_option("--snapshot-flush-ns", run.snapshotFlushNs,
                           "Flight recorder: flush segments longer than this trigger a snapshot (virtual ns, or with a "
                           "unit: 500us; default 1ms)")
        ->transform(CLI::AsNumberWithUnit(tracer::nanosecondUnits()));
    runCommand->add_flag("--fail-on-loss", run.failOnLoss, "Exit with status 4 when the trace lost events");
    runCommand->add_option("--subbuffer-bytes", run.subbufferBytes, "Trace channel sub-buffer size");
    runCommand->add_option("--subbuffers", run.subbufferCount, "Trace channel sub-buffer count");

    return {runCommand, [options] { return runScenarioCommand(*options); }};
}

} // namespace vcm::hyp::cli

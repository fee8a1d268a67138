// vcm: the command-line front end. Thin by design: each subcommand parses its options and calls a
// component library.
#include "analyzer_commands.h"
#include "hunt_command.h"
#include "replay_command.h"
#include "vcm/analyzer/analyzer_version.h"
#include "vcm/db/db_version.h"
#include "run_progress.h"
#include "terminal_console.h"
#include "vcm/hyp/guest_abi.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/hyp_version.h"
#include "vcm/hyp/machine.h"
#include "vcm/hyp/memory/coherence_counts.h"
#include "vcm/hyp/policy/cache_policy.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/tracer/flight_recorder_sink.h"
#include "vcm/tracer/lttng_event_sink.h"
#include "vcm/tracer/trace_session.h"
#include "vcm/tracer/tracer_version.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace {

struct BootOptions {
    std::vector<std::string> images;
    std::string board;    // --board virt: boot firmware (--bios) on QEMU's virt board instead
    std::string bios;
    std::uint64_t ramMib = 512;
    std::uint64_t budget = 200'000'000;
    std::uint64_t systemCacheKiB = 4096;
    std::uint64_t seed = 1;
    std::uint64_t speculationRate = 0;
    std::uint32_t migratePercent = 0;
    std::uint64_t slice = vcm::hyp::MachineConfig{}.sliceInstructions;
    std::string policy = "native";
};

// Boots firmware on the virt board with the terminal as its UART (until it powers off, resets or faults, or
// Ctrl-C), then prints the run's summary.
int bootBoard(const BootOptions& options)
{
    namespace sc = vcm::hyp::scenario;
    if (options.board != "virt")
        throw std::invalid_argument(fmt::format("--board {}: the only board is virt (QEMU's virt machine)", options.board));
    if (options.bios.empty())
        throw std::invalid_argument("--board virt needs --bios FILE (e.g. /usr/lib/u-boot/qemu_arm64/u-boot.bin)");
    sc::Scenario scenario;
    scenario.file = options.bios;
    scenario.name = "boot";
    scenario.policy = options.policy;
    scenario.machine.topology.systemCache.sizeBytes = options.systemCacheKiB << 10;
    scenario.machine.seed = options.seed;
    scenario.machine.topology.seed = options.seed;
    scenario.machine.speculationFillsPerMillionCycles = options.speculationRate;
    scenario.machine.sliceInstructions = options.slice;
    scenario.instructionBudget = options.budget;
    sc::VmPlan plan;
    plan.spec.name = "d1";
    plan.spec.ramBytes = options.ramMib << 20;
    plan.board = sc::BoardPlan{};
    plan.board->firmware = std::filesystem::absolute(options.bios);
    scenario.vms.push_back(plan);
    vcm::app::TerminalConsole terminal;
    sc::RunHooks hooks;
    hooks.consoleEcho = &vcm::app::TerminalConsole::echo;
    hooks.consoleInput = [&terminal](vcm::hyp::board::Pl011Uart& uart) {
        uart.onReceivePoll([&terminal](vcm::hyp::board::Pl011Uart& u) { terminal.poll(u); });
    };
    const sc::RunReport report = sc::runScenario(scenario, sc::defaultGuestDirectory(), nullptr, hooks);
    std::fflush(stdout);
    const sc::GuestOutcome& guest = report.guests.at(0);
    fmt::print("\n{}: {}{}\n", guest.name, guest.verdict, guest.fault.empty() ? "" : " - " + guest.fault);
    return guest.verdict == "PASS" ? 0 : 1;
}

// Boots each image in its own VM (one vCPU, VMs placed on cores in turn) with nothing trapped, and prints
// every guest's console and verdict and what the coherence oracle reported.
int bootGuests(const BootOptions& options)
{
    vcm::hyp::MachineConfig config;
    config.topology.systemCache.sizeBytes = options.systemCacheKiB << 10;
    config.seed = options.seed;
    config.speculationFillsPerMillionCycles = options.speculationRate;
    config.forcedMigrationPercent = options.migratePercent;
    config.sliceInstructions = options.slice;
    vcm::hyp::Machine machine(config);
    vcm::hyp::memory::CoherenceCounts counts;
    machine.memory().setListener(&counts);
    std::vector<std::unique_ptr<vcm::hyp::policy::CachePolicy>> policies;
    for (std::size_t i = 0; i < options.images.size(); ++i) {
        policies.push_back(vcm::hyp::policy::createPolicy(options.policy, machine));
        const auto image = vcm::hyp::GuestImage::load(options.images[i]);
        vcm::hyp::VmSpec spec;
        spec.name = fmt::format("d{}", i + 1);
        spec.machineBase = 0x8000'0000 + i * spec.ramBytes;
        spec.vcpuCores = {static_cast<vcm::hyp::memory::CoreId>(i % config.topology.cores())};
        const std::size_t vm = machine.createVm(spec, *policies.back());
        machine.loadImage(vm, VCM_GUEST_RAM_BASE, image.bytes);
    }
    const vcm::hyp::MachineRun run = machine.run(options.budget);
    bool allPassed = true;
    for (std::size_t i = 0; i < run.vcpus.size(); ++i) {
        const auto& v = run.vcpus[i];
        fmt::print("--- {} ({}) ---\n{}", v.name, options.images[i], v.console);
        if (v.exited)
            fmt::print("{}: exited with code {} after {} instructions, {} traps, {} migrations, longest wait {} cycles "
                       "({})\n",
                       v.name, v.exitCode, v.instructions, v.traps, v.migrations, v.maxSchedulingLatency,
                       v.exitCode == 0 ? "PASS" : "FAIL");
        else if (!v.fault.empty())
            fmt::print("{}: stopped: {}\n", v.name, v.fault);
        else
            fmt::print("{}: still running when the budget of {} instructions ran out\n", v.name, options.budget);
        allPassed = allPassed && v.exited && v.exitCode == 0;
    }
    std::uint64_t flushes = 0;
    std::uint64_t flushPages = 0;
    vcm::hyp::memory::Cycles longestSegment = 0;
    vcm::hyp::memory::Cycles longestDelay = 0;
    for (const auto& p : policies) {
        flushes += p->flushes().records.size();
        flushPages += p->flushes().totalPages();
        longestSegment = std::max(longestSegment, p->flushes().longestSegment());
        longestDelay = std::max(longestDelay, p->flushes().longestUnpreemptedDelay());
    }
    fmt::print("policy {}: {} flushes, {} pages, longest segment {} cycles, longest unpreempted delay {} cycles\n",
               options.policy, flushes, flushPages, longestSegment, longestDelay);
    fmt::print("oracle: {} stale reads, {} clobbers, {} stale-data windows opened; {} speculative fills\n",
               counts.staleReads, counts.clobbers, counts.windowsOpened, run.speculativeFills);
    return allPassed ? 0 : 1;
}

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
    std::string saveFlash1;     // --save-flash1 FILE
};

std::vector<std::string> withPolicyAndSeed(std::vector<std::string> overrides, const std::string& policy,
                                           std::optional<std::uint64_t> seed)
{
    if (!policy.empty())
        overrides.push_back("policy.name=\"" + policy + "\"");
    if (seed)
        overrides.push_back(fmt::format("seed={}", *seed));
    return overrides;
}

std::filesystem::path guestDirectory(const std::string& option)
{
    return option.empty() ? vcm::hyp::scenario::defaultGuestDirectory() : std::filesystem::path(option);
}

// Exit status: 0 when every guest finished, whatever it found; 3 when a guest faulted or ran out of budget.
int runScenarioCommand(const RunOptions& options)
{
    namespace sc = vcm::hyp::scenario;
    const sc::Scenario scenario =
        sc::loadScenario(options.scenario, withPolicyAndSeed(options.overrides, options.policy, options.seed));
    sc::RunReport report;
    const std::string traceDirectory = !options.trace.empty() ? options.trace : options.flightRecorder;
    std::optional<vcm::app::RunProgress> progress(std::in_place);
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
        vcm::tracer::EventSink* sink = sessionOptions.flightRecorder ? static_cast<vcm::tracer::EventSink*>(&recorder)
                                                                     : &lttng;
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

struct MatrixOptions {
    std::vector<std::string> scenarios;
    std::vector<std::string> policies;
    std::string format = "table";
    std::vector<std::string> overrides;
    std::string guestDirectory;
};

int runMatrixCommand(const MatrixOptions& options)
{
    namespace sc = vcm::hyp::scenario;
    std::vector<std::string> scenarios = options.scenarios;
    if (scenarios.empty()) {
        for (const auto& entry : std::filesystem::directory_iterator(VCM_SCENARIO_DIR))
            if (entry.path().extension() == ".toml")
                scenarios.push_back(entry.path().string());
        std::sort(scenarios.begin(), scenarios.end());
    }
    const std::vector<std::string> policies =
        options.policies.empty() ? vcm::hyp::policy::policyNames() : options.policies;
    sc::MatrixFormat format = sc::MatrixFormat::Table;
    if (options.format == "csv")
        format = sc::MatrixFormat::Csv;
    else if (options.format == "markdown")
        format = sc::MatrixFormat::Markdown;
    std::vector<sc::RunReport> reports;
    for (const std::string& file : scenarios) {
        const sc::Scenario asWritten = sc::loadScenario(file, options.overrides);
        std::vector<std::string> withoutKnobs;
        for (const std::string& policy : policies) {
            sc::Scenario scenario = sc::loadScenario(file, withPolicyAndSeed(options.overrides, policy, {}));
            // A scenario's knobs belong to the policy it names (tvm-left-armed: kvm's disarm_tvm); compared under
            // another policy, the scenario runs without them.
            if (policy != asWritten.policy && !scenario.knobs.empty()) {
                withoutKnobs.push_back(policy);
                scenario.knobs.clear();
            }
            reports.push_back(sc::runScenario(scenario, guestDirectory(options.guestDirectory)));
        }
        if (!withoutKnobs.empty()) { // one line per scenario, not one per run
            std::string names;
            for (const auto& [name, value] : asWritten.knobs)
                names += (names.empty() ? "" : ", ") + name;
            std::string under;
            for (const std::string& p : withoutKnobs)
                under += (under.empty() ? "" : ", ") + p;
            fmt::print(stderr, "vcm matrix: {}: its knobs ({}) belong to {}; run without them under {}\n",
                       asWritten.name, names, asWritten.policy, under);
        }
    }
    std::fputs(sc::renderMatrix(reports, format).c_str(), stdout);
    return 0;
}

void printVersions()
{
    fmt::print("vcm 0.1.0\n  unicorn {}\n  lttng-ust {}\n  babeltrace2 {}\n  sqlite {}\n", vcm::hyp::unicornVersion(),
               vcm::tracer::lttngUstVersion(), vcm::analyzer::babeltraceVersion(), vcm::db::sqliteVersion());
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"vcm: a laboratory for virtualized cache maintenance on Arm"};
    app.require_subcommand(1);
    CLI::App* version = app.add_subcommand("version", "Print the versions of vcm and the libraries it runs on");

    BootOptions boot;
    CLI::App* bootCommand = app.add_subcommand(
        "boot", "Boot raw guest images, one VM each, under a policy; print consoles, verdicts, oracle counts");
    bootCommand->add_option("images", boot.images, "Raw AArch64 guest images (.bin)");
    bootCommand->add_option("--board", boot.board,
                            "Boot firmware on a board with the terminal as its console: virt (QEMU's virt machine)");
    bootCommand->add_option("--bios", boot.bios, "The firmware for --board (flash bank 0), e.g. "
                                                 "/usr/lib/u-boot/qemu_arm64/u-boot.bin")
        ->check(CLI::ExistingFile);
    bootCommand->add_option("--ram-mib", boot.ramMib, "RAM of the --board VM in MiB")->check(CLI::Range(16, 1 << 20));
    bootCommand->add_option("--budget", boot.budget, "Stop after this many guest instructions in total");
    bootCommand->add_option("--system-cache-kib", boot.systemCacheKiB, "System cache size (0: none)");
    bootCommand->add_option("--seed", boot.seed, "Seed for speculation and forced migrations");
    bootCommand->add_option("--speculation-rate", boot.speculationRate,
                            "Speculative line fills per million cycles per core through the hypervisor's map");
    bootCommand->add_option("--migrate-percent", boot.migratePercent,
                            "Chance (0-100) that a vCPU moves to another core at the end of each slice")
        ->check(CLI::Range(0, 100));
    bootCommand->add_option("--policy", boot.policy, "Cache-maintenance policy (native, xen-rfc, xen, kvm, ...)");
    bootCommand->add_option("--slice", boot.slice, "Instructions per scheduling slice")->check(CLI::PositiveNumber);

    RunOptions run;
    CLI::App* runCommand = app.add_subcommand("run", "Run a scenario (TOML) and print its summary");
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
    auto* flightOption = runCommand->add_option("--flight-recorder", run.flightRecorder,
                           "Keep the trace in memory; write a snapshot here at the first stale read, clobber or "
                           "long flush segment")
        ->excludes(traceOption);
    runCommand->add_flag("--live", run.live, "Stream the trace live through lttng-relayd; prints the URL on stderr")
        ->excludes(traceOption)
        ->excludes(flightOption);
    runCommand->add_option("--live-wait-ms", run.liveWaitMs, "Live: wait this long for a viewer before running");
    runCommand->add_flag("--snapshot-at-exit", run.snapshotAtExit, "Flight recorder: also snapshot at the end");
    runCommand->add_option("--snapshot-flush-ns", run.snapshotFlushNs,
                           "Flight recorder: flush segments longer than this trigger a snapshot (default 1 ms)");
    runCommand->add_flag("--fail-on-loss", run.failOnLoss, "Exit with status 4 when the trace lost events");
    runCommand->add_option("--subbuffer-bytes", run.subbufferBytes, "Trace channel sub-buffer size");
    runCommand->add_option("--subbuffers", run.subbufferCount, "Trace channel sub-buffer count");

    MatrixOptions matrix;
    CLI::App* matrixCommand =
        app.add_subcommand("matrix", "Run scenarios under several policies and print the comparison");
    matrixCommand->add_option("scenarios", matrix.scenarios, "Scenario files (default: every shipped scenario)")
        ->check(CLI::ExistingFile);
    matrixCommand->add_option("--policies", matrix.policies, "Comma-separated policies (default: all seven)")
        ->delimiter(',');
    matrixCommand->add_option("--format", matrix.format, "table, csv or markdown")
        ->check(CLI::IsMember({"table", "csv", "markdown"}));
    matrixCommand->add_option("--set", matrix.overrides, "Override a key in every scenario: dotted.key=value")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    matrixCommand->add_option("--guest-dir", matrix.guestDirectory, "Where guest programs are (default: the build's)");

    const vcm::analyzer::cli::AnalyzerCommands analyzerCommands(app);
    const vcm::replay::cli::ReplayCommand replayCommand = vcm::replay::cli::addReplayCommand(app);
    const vcm::hunt::cli::HuntCommand huntCommand = vcm::hunt::cli::addHuntCommand(app);

    CLI11_PARSE(app, argc, argv);
    try {
        if (const std::optional<int> status = analyzerCommands.runParsed())
            return *status;
        if (replayCommand.app->parsed())
            return replayCommand.run();
        if (huntCommand.app->parsed())
            return huntCommand.run();
        if (bootCommand->parsed()) {
            if (!boot.board.empty() || !boot.bios.empty()) {
                if (bootCommand->count("--budget") == 0)
                    boot.budget = std::uint64_t{1} << 62; // interactive: until the guest ends it, or Ctrl-C
                return bootBoard(boot);
            }
            if (boot.images.empty())
                throw std::invalid_argument("vcm boot needs guest images, or --board virt --bios FILE");
            return bootGuests(boot);
        }
        if (runCommand->parsed())
            return runScenarioCommand(run);
        if (matrixCommand->parsed())
            return runMatrixCommand(matrix);
        if (version->parsed())
            printVersions();
    } catch (const std::exception& e) {
        fmt::print(stderr, "vcm: {}\n", e.what());
        return 2;
    }
    return 0;
}

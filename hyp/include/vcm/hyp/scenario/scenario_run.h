// Running a scenario and reporting it: the summary `vcm run` prints (or emits as JSON) and the rows of
// `vcm matrix`.
#pragma once

#include "vcm/hyp/board/pl011_uart.h"
#include "vcm/hyp/cpu/vcpu.h"
#include "vcm/hyp/machine.h"
#include "vcm/hyp/policy/cache_policy.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/tracer/event_sink.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vcm::hyp::scenario {

struct GuestOutcome {
    std::string name;      // the vCPU, e.g. "d1v0"
    std::string guest;     // the program
    std::string verdict;   // PASS, FAIL (the guest's own verdict), FAULT, or TIMEOUT (budget ran out)
    int exitStatus = -1;   // the guest's exit code, -1 if it did not exit
    std::string console;
    std::string fault;
};

struct RunReport {
    std::string scenario;
    std::string policy;
    std::uint64_t seed = 0;
    std::vector<GuestOutcome> guests;
    std::uint64_t staleReads = 0;
    std::uint64_t clobbers = 0;
    std::uint64_t staleWindows = 0;
    std::uint64_t flushes = 0;
    std::uint64_t flushSegments = 0;
    std::uint64_t flushPages = 0;
    std::uint64_t migrations = 0;
    double maxFlushSegmentNs = 0;
    double maxUnpreemptedFlushNs = 0;
    cpu::TrapCounts traps;
    double maxSchedLatencyNs = 0;
    double vtimeNs = 0;
    double hostSeconds = 0;
    // CPU time of the thread that ran it (CLOCK_THREAD_CPUTIME_ID): the simulation and, traced, its
    // tracepoints, without what other threads and processes (LTTng's consumer daemon) take from the host.
    double hostCpuSeconds = 0;
    std::uint64_t instructions = 0;
    std::uint64_t timerTicks = 0; // over all cores
    bool completed = false; // every guest exited (whatever it found)
    // Filled in by the caller when the run was traced.
    std::string trace;             // the trace directory
    std::uint64_t discardedEvents = 0;
    std::uint64_t lostPackets = 0;
    std::string snapshotReason;    // flight recorder: why a snapshot was taken (empty: none)
};

// This vcm's version, as traces and hunt databases record it.
std::string_view vcmVersion();

// Where guest programs are found: $VCM_GUEST_DIR; else, for an installed vcm (the Debian package),
// PREFIX/share/vcm/guests beside PREFIX/bin; else the build's hyp/guests folder, compiled in.
std::filesystem::path defaultGuestDirectory();
// Where the shipped scenarios are (vcm matrix's default): PREFIX/share/vcm/scenarios for an installed vcm,
// else the source tree's hyp/scenarios.
std::filesystem::path defaultScenarioDirectory();
// The image of a guest named in a scenario: a path as given (it has a '/' or ends in .bin), else NAME.bin in
// `directory`.
std::filesystem::path guestImagePath(const std::string& guest, const std::filesystem::path& directory);

// Optional hooks into a run: beforeRun sees the machine and the VMs' policies (in VM order) once the VMs
// are set up, just before the scheduler starts (vcm replay keeps them to inspect the machine mid-run).
// machineCreated sees the machine as soon as it exists, before the first event.
struct RunHooks {
    std::function<void(Machine&)> machineCreated;
    std::function<void(Machine&, const std::vector<const policy::CachePolicy*>&)> beforeRun;
    // Interactive use of a board (`vcm boot --board virt`): every byte a board's UART transmits, as it is
    // transmitted, and the UART itself, to feed its receive line (Pl011Uart::onReceivePoll). Host input makes
    // a run unrepeatable; scripted consoles ([vm.board].console) are what keeps one deterministic.
    std::function<void(char)> consoleEcho;
    std::function<void(board::Pl011Uart&)> consoleInput;
    // After every slice: how far the run is, and the last line a board's console printed. Returning false ends
    // the run there (its report then says what had happened so far).
    struct Progress {
        std::uint64_t instructions = 0;
        std::uint64_t budget = 0;
        std::uint64_t virtualNs = 0;
        std::string_view consoleLine;
    };
    std::function<bool(const Progress&)> progress;
    // When not empty: flash bank 1 of the (first) board VM is written here after the run, as the guest left it
    // (`vcm run --save-flash1`: a UEFI variable store for the next boot's [vm.board].flash1).
    std::filesystem::path saveFlash1;
};

// Runs the scenario to completion or its budget, emitting every event to `events` when given. Throws
// ScenarioError for a guest image or policy that cannot be used (the message names the scenario file).
RunReport runScenario(const Scenario& scenario, const std::filesystem::path& guestDirectory,
                      tracer::EventSink* events = nullptr, const RunHooks& hooks = {});

// One word for how a run went, worst first: FAULT, TIMEOUT or FAIL when a guest did; STALE when every guest
// passed but the coherence oracle counted stale reads or clobbers (data lost without the guest noticing);
// else PASS. `vcm hunt` counts runs by it and `vcm matrix` shows it.
std::string runVerdict(const RunReport& report);

std::string toJson(const RunReport& report);
std::string toText(const RunReport& report);

enum class MatrixFormat { Table, Csv, Markdown };
// One row per report, in order. The verdict is runVerdict(), or SLOW for a run that passed with a flush that
// kept a vCPU from running for over 1 ms (the analyzer's long-flush threshold); slowdown is each run's virtual
// time over the same scenario's kvm-fwb run when the reports include one.
std::string renderMatrix(const std::vector<RunReport>& reports, MatrixFormat format);

} // namespace vcm::hyp::scenario

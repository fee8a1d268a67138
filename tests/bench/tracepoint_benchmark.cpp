// Cost per event of the vcm LTTng-UST tracepoints, through vcm::tracer::LttngEventSink as the hypervisor model
// calls it (a virtual call through an EventSink pointer). Figures to read, not a pass/fail test: run
// tests/bench/run_tracing_benchmark.sh, which prints them next to the traced/untraced wall time of whole runs.
//
// Events: trap (9 fields, the bulk of a flush-heavy run), vcpu_run (4 fields), flush segment (one call, two
// tracepoints: flush_segment_begin and flush_segment_end), stale_read (one struct argument unpacked into 12
// fields), and timer_tick (2 integer fields, the smallest vcm event) as the floor of an LTTng-UST event here.
//
// States, in this order (Google Benchmark runs them in registration order; do not pass
// --benchmark_enable_random_interleaving):
//  - disabled/<event>: no session has the vcm events enabled, so each call costs the virtual call plus the
//    tracepoint's enabled check. Skipped with an error if some other LTTng session (another process of this user
//    may have one) enabled vcm:* in this process meanwhile.
//  - recording/<event>: one TraceSession for the whole process (vcm:* enabled, discard mode, 4 MiB x 16
//    sub-buffers per CPU, output in a temporary directory), created at the first recording benchmark. Each of these
//    runs a fixed number of calls so the data written stays well below the buffers' capacity.
//  - stop_session (once, whatever --benchmark_repetitions says): stops the session and reports its discarded
//    events and lost packets as counters (and on stdout). Non-zero means some recording figures were measured
//    partly on LTTng's discarding path, which is cheaper than recording: enlarge the buffers or lower
//    kRecordingCalls.
// Each benchmark reports `events` (tracepoints per call) and `per_event` (CPU seconds per tracepoint; the console
// shows it with an SI prefix, e.g. 142n = 142 ns).
#include "vcm/tracer/event_sink.h"
#include "vcm/tracer/lttng_event_sink.h"
#include "vcm/tracer/trace_session.h"
#include "vcm/tracer/setway_trap_recorder.h"
#include "vcm/tracer/trap_batching_sink.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

namespace tr = vcm::tracer;

// Calls per recording benchmark run. The largest call here (flush segment: two tracepoints, ~100 bytes with their
// headers) writes ~40 MB at this count, within the 64 MiB of one CPU's buffers even if the consumer daemon drained
// nothing meanwhile; each recording benchmark then waits for it to drain. stop_session reports any discard.
constexpr benchmark::IterationCount kRecordingCalls = 400'000;
constexpr std::uint64_t kSubbufferBytes = 4u << 20;
constexpr std::uint64_t kSubbufferCount = 16;

// The process's recording session and what stopping it reported.
struct Recording {
    std::filesystem::path directory;
    std::unique_ptr<tr::TraceSession> session;
    tr::TraceLoss loss;
    bool stopped = false;
};

Recording& recording()
{
    static Recording r;
    return r;
}

void stopRecording()
{
    Recording& r = recording();
    if (!r.session || r.stopped)
        return;
    r.stopped = true;
    r.loss = r.session->stop();
    r.session.reset();
    std::printf("tracepoint_benchmark: trace in %s: discarded_events=%llu lost_packets=%llu\n", r.directory.c_str(),
                static_cast<unsigned long long>(r.loss.discardedEvents),
                static_cast<unsigned long long>(r.loss.lostPackets));
    std::fflush(stdout);
    std::error_code ignored;
    std::filesystem::remove_all(r.directory, ignored);
}

// Starts the session at the first call. Registers stopRecording with atexit only now, after TraceSession has
// started (and constructed the static that stops a session daemon it spawned), so that at exit the session is
// stopped before that daemon, should stop_session have been filtered out.
bool ensureRecording(benchmark::State& state)
{
    Recording& r = recording();
    if (r.stopped) {
        state.SkipWithError("the recording session was already stopped");
        return false;
    }
    if (r.session)
        return true;
    try {
        char pattern[] = "/tmp/vcm_tracepoint_benchmark.XXXXXX";
        if (mkdtemp(pattern) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        r.directory = pattern;
        tr::TraceSessionOptions options;
        options.output = r.directory;
        options.subbufferBytes = kSubbufferBytes;
        options.subbufferCount = kSubbufferCount;
        r.session = std::make_unique<tr::TraceSession>(options);
        std::atexit(stopRecording);
    } catch (const std::exception& e) {
        const std::string message = std::string("cannot start the LTTng session: ") + e.what();
        state.SkipWithError(message.c_str());
        return false;
    }
    return true;
}

// Representative arguments; the time (and what derives from it) changes every call, as virtual time does in a run.
constexpr std::uint32_t kVm = 1;
constexpr std::uint32_t kVcpu = 0;
constexpr std::uint32_t kCore = 2;

void emitTimerTick(tr::EventSink& sink, std::uint64_t t)
{
    sink.timerTick(t, kCore);
}

void emitTrap(tr::EventSink& sink, std::uint64_t t)
{
    sink.trap(t, kVm, kVcpu, kCore, tr::TrapKind::SetWay, 1, t & 0xffff'ffc0u, 0, 0);
}

void emitVcpuRun(tr::EventSink& sink, std::uint64_t t)
{
    sink.vcpuRun(t, kVm, kVcpu, kCore);
}

void emitFlushSegment(tr::EventSink& sink, std::uint64_t t)
{
    sink.flushSegment(t, t + 40'000, kVm, kCore, 7, 3200, 1, false, t >> 4, 39'952);
}

void emitStaleRead(tr::EventSink& sink, std::uint64_t t)
{
    sink.staleRead({.vtimeNs = t, .agent = 4, .core = 1, .address = 0x4008'0000u + (t & 0xfc0u), .staleWords = 2,
                    .versionReturned = 5, .latestVersion = 6, .latestWriter = 0, .latestWriteNs = t - 100,
                    .source = tr::ValueSourceKind::SystemCache, .latestHeldIn = tr::ValueSourceKind::L1,
                    .heldInstance = 1});
}

using Emit = void (*)(tr::EventSink&, std::uint64_t);

struct EventCase {
    const char* name;
    Emit emit;
    int tracepoints;      // tracepoints per call
    // Set/way traps recorded into a TrapBatchingSink's recorder as a vCPU does (emit is not called): a guest's
    // canonical loop, ways inner, one trap every ~1,500 cycles; per_event is then per trap.
    bool codedSetWayTraps = false;
};

constexpr EventCase kEvents[] = {
    {"timer_tick(floor)", emitTimerTick, 1}, {"trap", emitTrap, 1},           {"vcpu_run", emitVcpuRun, 1},
    {"flush_segment", emitFlushSegment, 2},  {"stale_read", emitStaleRead, 1}, {"setway_trap(coded)", nullptr, 1, true},
};

void loop(benchmark::State& state, const EventCase& event)
{
    tr::LttngEventSink lttng;
    tr::TrapBatchingSink batching(lttng); // its destructor's last batch is after the timed loop
    if (event.codedSetWayTraps) {
        tr::SetWayTrapRecorder* recorder = batching.setWayTrapRecorder(); // asked once, as the vCPU does
        const tr::SetWayTrapSource source{kVm, kVcpu, kCore, 2000};
        recorder->bind(source); // as the vCPU does at each slice
        std::uint64_t cycles = 2'000'000;
        std::uint64_t trap = 0;
        for (auto _ : state) {
            const std::uint64_t way = trap & 3;
            cycles += way == 0 ? 1513 : 1506;
            recorder->record(cycles, 2, (way << 30) | ((trap >> 2 & 0xff) << 6));
            ++trap;
        }
    } else {
        tr::EventSink* sink = &lttng;
        benchmark::DoNotOptimize(sink); // keep the virtual call the model makes
        std::uint64_t t = 1'000'000;
        for (auto _ : state) {
            event.emit(*sink, t);
            t += 37;
        }
    }
    state.counters["events"] = event.tracepoints;
    using benchmark::Counter;
    state.counters["per_event"] = Counter(event.tracepoints, Counter::kIsIterationInvariantRate | Counter::kInvert);
}

void disabled(benchmark::State& state, const EventCase& event)
{
    if (recording().session) {
        state.SkipWithError("this process's recording session is active (run disabled benchmarks first)");
        return;
    }
    if (tr::LttngEventSink::enabled()) {
        state.SkipWithError("vcm tracepoints enabled by another LTTng session of this user");
        return;
    }
    loop(state, event);
    if (tr::LttngEventSink::enabled())
        state.SkipWithError("vcm tracepoints were enabled by another LTTng session during the measurement");
}

void recorded(benchmark::State& state, const EventCase& event)
{
    if (!ensureRecording(state))
        return;
    loop(state, event);
    // Untimed (the loop is over): let the consumer daemon drain the buffers before the next run writes into them.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

void stopSession(benchmark::State& state)
{
    for (auto _ : state)
        stopRecording();
    const Recording& r = recording();
    state.counters["discarded_events"] = static_cast<double>(r.loss.discardedEvents);
    state.counters["lost_packets"] = static_cast<double>(r.loss.lostPackets);
    if (r.loss.discardedEvents != 0 || r.loss.lostPackets != 0)
        state.SetLabel("LOSS: some recording figures include LTTng's discarding path");
}

const bool kRegistered = [] {
    for (const EventCase& event : kEvents)
        benchmark::RegisterBenchmark((std::string("disabled/") + event.name).c_str(),
                                     [&event](benchmark::State& s) { disabled(s, event); });
    for (const EventCase& event : kEvents)
        benchmark::RegisterBenchmark((std::string("recording/") + event.name).c_str(),
                                     [&event](benchmark::State& s) { recorded(s, event); })
            ->Iterations(kRecordingCalls);
    benchmark::RegisterBenchmark("stop_session", stopSession)->Iterations(1)->Repetitions(1);
    return true;
}();

} // namespace

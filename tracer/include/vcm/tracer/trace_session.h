// An LTTng session for one vcm run, controlled through liblttng-ctl: a uniquely named user-space session with
// one channel (discard mode when recording or live, overwrite mode for the flight recorder), the vcm:* events
// enabled, and a process-ID tracker holding only this process, so concurrent runs never share a trace. When no session daemon is reachable, the project
// starts lttng-sessiond itself (once per process) and stops it when the process exits; a daemon it did not
// start is never stopped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace vcm::tracer {

class TraceSessionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TraceSessionOptions {
    std::filesystem::path output;         // the CTF trace is written below this directory
    std::uint64_t subbufferBytes = 1u << 20;
    std::uint64_t subbufferCount = 16;
    // Snapshot mode (flight recorder): events stay in memory buffers (overwrite mode) and reach `output` only
    // when snapshot() is called.
    bool flightRecorder = false;
    // Live mode: events stream through an lttng-relayd on loopback (started when none listens) to live
    // viewers (liveUrl()); `output` is not used. liveTimerUs is how often the consumer flushes to the relay.
    bool live = false;
    std::uint32_t liveTimerUs = 100'000;
};

struct TraceLoss {
    std::uint64_t discardedEvents = 0;
    std::uint64_t lostPackets = 0;
};

class TraceSession {
public:
    // Creates, configures and starts the session, then waits until this process's vcm tracepoints are enabled,
    // so the first event of the run is recorded. Throws TraceSessionError with the liblttng-ctl reason.
    explicit TraceSession(const TraceSessionOptions& options);
    ~TraceSession(); // stops and destroys the session if stop() was not called
    TraceSession(const TraceSession&) = delete;
    TraceSession& operator=(const TraceSession&) = delete;

    const std::string& name() const;
    // Live mode: the URL a Babeltrace2 src.ctf.lttng-live component (or vcm's reader) attaches to,
    // net://localhost/host/HOSTNAME/SESSION.
    std::string liveUrl() const;
    // Flight recorder: records a snapshot of the buffers into the output directory now.
    void snapshot();
    // Stops tracing (waiting for the data to be written), reads the channel's loss counters and destroys the
    // session. Safe to call once.
    TraceLoss stop();

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vcm::tracer

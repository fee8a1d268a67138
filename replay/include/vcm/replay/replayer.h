// Re-executes a recorded run from its trace: the scenario text, overrides, policy and seed the trace's
// run_configuration holds, with the guest images checked against their recorded hashes first. The run is
// deterministic, so a replay of an unchanged vcm on unchanged guests gives the same events (docs/replay.md).
#pragma once

#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/replay/recorded_run.h"
#include "vcm/replay/trace_comparison.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace vcm::replay {

struct GuestChange {
    std::string program;
    std::string recorded; // "sha256:..."
    std::string now;      // "sha256:...", or why it cannot be read
};

// The guest images whose content differs from what the trace recorded.
std::vector<GuestChange> changedGuests(const RecordedRun& run, const std::filesystem::path& guestDirectory);

// The recorded scenario with the recorded overrides and then `extraOverrides` applied. The scenario text is
// written to `workDirectory`/<scenario>.toml (kept: error messages name it).
hyp::scenario::Scenario recordedScenario(const RecordedRun& run, const std::vector<std::string>& extraOverrides,
                                         const std::filesystem::path& workDirectory);

// A directory removed (with its contents) when this object goes.
class TemporaryDirectory {
public:
    explicit TemporaryDirectory(const std::string& prefix);
    ~TemporaryDirectory();
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

struct ReplayOptions {
    std::filesystem::path output;                // the new trace (empty: a temporary directory, removed)
    std::vector<std::string> extraOverrides;     // on top of the recorded ones (what-if)
    std::filesystem::path guestDirectory = hyp::scenario::defaultGuestDirectory();
};

struct TracedRun {
    hyp::scenario::RunReport report;
    std::filesystem::path trace;
    std::uint64_t discardedEvents = 0;
};

// Runs the recorded scenario again, traced with LTTng into `trace`. Throws ReplayError (changed guest
// images, listed) before running anything.
TracedRun rerunTraced(const RecordedRun& run, const std::vector<std::string>& extraOverrides,
                      const std::filesystem::path& trace, const std::filesystem::path& guestDirectory);

// Plays the recorded run back as a live LTTng session (through lttng-relayd), paced at `speed` virtual
// seconds per wall second; `onLiveUrl` is called with the URL before the run starts, after which the run
// waits `waitBeforeStart` so a viewer can attach. Returns the run's report.
hyp::scenario::RunReport playLive(const RecordedRun& run, double speed, std::chrono::milliseconds waitBeforeStart,
                                  const std::function<void(const std::string& url)>& onLiveUrl,
                                  const std::filesystem::path& guestDirectory);

struct ReplayResult {
    RecordedRun recorded;
    TracedRun replayed;
    Comparison comparison;
};

// Reads the recorded run, re-runs it traced, compares the two traces event by event.
ReplayResult replayTrace(const std::filesystem::path& trace, const ReplayOptions& options);

} // namespace vcm::replay

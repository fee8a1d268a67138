#include "vcm/replay/replayer.h"

#include "vcm/hyp/guest_image.h"
#include "vcm/replay/paced_sink.h"
#include "vcm/tracer/lttng_event_sink.h"
#include "vcm/tracer/trace_session.h"

#include <fmt/core.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace vcm::replay {

TemporaryDirectory::TemporaryDirectory(const std::string& prefix)
{
    static int sequence = 0;
    m_path = std::filesystem::temp_directory_path() / fmt::format("{}-{}-{}", prefix, ::getpid(), sequence++);
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
}

TemporaryDirectory::~TemporaryDirectory()
{
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

std::vector<GuestChange> changedGuests(const RecordedRun& run, const std::filesystem::path& guestDirectory)
{
    std::vector<GuestChange> changes;
    for (const auto& [program, recorded] : run.guests) {
        std::string now;
        try {
            // A board's images (firmware, kernel) are recorded by their path; the project's guests by name.
            now = program.find('/') != std::string::npos
                      ? hyp::GuestImage::load(program, std::uint64_t{1} << 32, "a board image may hold").contentHash()
                      : hyp::GuestImage::load(guestDirectory / (program + ".bin")).contentHash();
        } catch (const hyp::GuestImageError& e) {
            now = e.what();
        }
        if (now != recorded)
            changes.push_back({program, recorded, now});
    }
    return changes;
}

hyp::scenario::Scenario recordedScenario(const RecordedRun& run, const std::vector<std::string>& extraOverrides,
                                         const std::filesystem::path& workDirectory)
{
    const std::filesystem::path file = workDirectory / fmt::format("{}.toml", run.scenario.empty() ? "recorded" : run.scenario);
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << run.scenarioText;
        if (!out.flush())
            throw ReplayError(fmt::format("{}: cannot write the recorded scenario", file.string()));
    }
    std::vector<std::string> overrides = run.overrides;
    overrides.insert(overrides.end(), extraOverrides.begin(), extraOverrides.end());
    try {
        return hyp::scenario::loadScenario(file, overrides);
    } catch (const std::exception& e) {
        throw ReplayError(fmt::format("the recorded scenario of {} does not load: {}", run.trace.string(), e.what()));
    }
}

TracedRun rerunTraced(const RecordedRun& run, const std::vector<std::string>& extraOverrides,
                      const std::filesystem::path& trace, const std::filesystem::path& guestDirectory)
{
    const std::vector<GuestChange> changes = changedGuests(run, guestDirectory);
    if (!changes.empty()) {
        std::string list;
        for (const GuestChange& c : changes)
            list += fmt::format("\n  {}: recorded {}, now {}", c.program, c.recorded, c.now);
        throw ReplayError(fmt::format("{}: guest images changed since the recording; a replay would not run the "
                                      "same code:{}",
                                      run.trace.string(), list));
    }
    TemporaryDirectory work("vcm-replay-scenario");
    const hyp::scenario::Scenario scenario = recordedScenario(run, extraOverrides, work.path());
    std::filesystem::remove_all(trace);
    tracer::TraceSessionOptions options;
    options.output = trace;
    options.subbufferBytes = 4u << 20; // replays must not lose what the recording kept
    options.subbufferCount = 32;
    tracer::TraceSession session(options);
    tracer::LttngEventSink sink;
    TracedRun result;
    result.report = hyp::scenario::runScenario(scenario, guestDirectory, &sink);
    const tracer::TraceLoss loss = session.stop();
    result.trace = trace;
    result.discardedEvents = loss.discardedEvents + loss.lostPackets;
    return result;
}

hyp::scenario::RunReport playLive(const RecordedRun& run, double speed, std::chrono::milliseconds waitBeforeStart,
                                  const std::function<void(const std::string& url)>& onLiveUrl,
                                  const std::filesystem::path& guestDirectory)
{
    const std::vector<GuestChange> changes = changedGuests(run, guestDirectory);
    if (!changes.empty())
        throw ReplayError(fmt::format("{}: guest image {} changed since the recording", run.trace.string(),
                                      changes.front().program));
    TemporaryDirectory work("vcm-replay-scenario");
    const hyp::scenario::Scenario scenario = recordedScenario(run, {}, work.path());
    tracer::TraceSessionOptions options;
    options.live = true;
    tracer::TraceSession session(options);
    onLiveUrl(session.liveUrl());
    std::this_thread::sleep_for(waitBeforeStart);
    tracer::LttngEventSink lttng;
    PacedSink paced(lttng, speed);
    hyp::scenario::RunReport report = hyp::scenario::runScenario(scenario, guestDirectory, &paced);
    session.stop();
    return report;
}

ReplayResult replayTrace(const std::filesystem::path& trace, const ReplayOptions& options)
{
    ReplayResult result;
    result.recorded = readRecordedRun(trace);
    std::optional<TemporaryDirectory> temporary;
    std::filesystem::path output = options.output;
    if (output.empty()) {
        temporary.emplace("vcm-replay-trace");
        output = temporary->path() / "trace";
    }
    result.replayed = rerunTraced(result.recorded, options.extraOverrides, output, options.guestDirectory);
    // With changed overrides the configuration differs by design: compare what the run did.
    result.comparison = compareTraces(trace, output,
                                      options.extraOverrides.empty() ? std::vector<std::string>{}
                                                                     : std::vector<std::string>{"vcm:run_configuration"});
    return result;
}

} // namespace vcm::replay

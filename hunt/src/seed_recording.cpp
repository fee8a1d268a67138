#include "vcm/hunt/seed_recording.h"

#include "vcm/analyzer/ingest.h"
#include "vcm/hunt/hunt_error.h"
#include "vcm/tracer/lttng_event_sink.h"
#include "vcm/tracer/trace_session.h"

#include <fmt/core.h>

#include <chrono>

namespace vcm::hunt {

std::filesystem::path recordingDirectory(const std::filesystem::path& huntDatabase, const std::string& policy,
                                         std::uint64_t seed)
{
    const std::filesystem::path base = huntDatabase.parent_path() /
                                       fmt::format("{}-{}-seed{}", huntDatabase.stem().string(), policy, seed);
    std::filesystem::path candidate = base;
    std::error_code ec;
    for (int n = 1; std::filesystem::exists(std::filesystem::symlink_status(candidate, ec)); ++n)
        candidate = base.string() + fmt::format(".{}", n);
    return candidate;
}

SeedRecording recordSeed(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed,
                         const std::filesystem::path& trace, const std::filesystem::path& guestDirectory)
{
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(trace, ec)))
        throw HuntError(fmt::format("{}: already exists; a recording goes into a new directory", trace.string()));
    const hyp::scenario::Scenario s = scenarioForRun(scenario, policy, seed);
    SeedRecording recording;
    recording.trace = trace;
    {
        tracer::TraceSessionOptions options;
        options.output = trace;
        tracer::TraceSession session(options);
        tracer::LttngEventSink sink;
        const auto started = std::chrono::steady_clock::now();
        const hyp::scenario::RunReport report = hyp::scenario::runScenario(s, guestDirectory, &sink);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const tracer::TraceLoss loss = session.stop();
        recording.record = recordOf(report, seconds);
        recording.lostEvents = loss.discardedEvents + loss.lostPackets;
    }
    recording.database = trace.string() + ".db";
    const analyzer::IngestResult ingested = analyzer::ingestTrace(trace.string(), recording.database, {});
    recording.events = ingested.events;
    recording.findings = ingested.findings;
    return recording;
}

} // namespace vcm::hunt

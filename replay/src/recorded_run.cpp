#include "vcm/replay/recorded_run.h"

#include "vcm/analyzer/ctf_reader.h"
#include "vcm/tracer/machine_limits.h"

#include <fmt/core.h>

#include <optional>

namespace vcm::replay {
namespace {

std::vector<std::string> split(const std::string& text, char separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return parts;
}

// A damaged run_configuration (clusters = 1073741826) is a damaged trace, not a replay that diverges at its
// first event: the same limits as the analyzer's (tracer/machine_limits.h).
void checkMachine(const analyzer::CtfEventView& e)
{
    if (!e.unsignedField("clusters"))
        return; // a trace of a tracer older than these fields
    tracer::RunConfiguration c;
    const auto u32 = [&e](const char* field) { return static_cast<std::uint32_t>(e.unsignedField(field).value_or(0)); };
    c.clusters = u32("clusters");
    c.coresPerCluster = u32("cores_per_cluster");
    c.lineBytes = u32("line_bytes");
    c.l1Bytes = e.unsignedField("l1_bytes").value_or(0);
    c.l1Ways = u32("l1_ways");
    c.l2Bytes = e.unsignedField("l2_bytes").value_or(0);
    c.l2Ways = u32("l2_ways");
    c.systemCacheBytes = e.unsignedField("system_cache_bytes").value_or(0);
    c.systemCacheWays = u32("system_cache_ways");
    c.coreMHz = e.unsignedField("core_mhz").value_or(0);
    if (const std::optional<std::string> problem = tracer::runConfigurationProblem(c))
        throw ReplayError(fmt::format("vcm:run_configuration: {}; the trace is damaged", *problem));
}

struct ConfigurationReader final : analyzer::CtfVisitor {
    std::optional<RecordedRun> run;
    std::uint64_t events = 0;
    std::uint64_t discardedEvents = 0;
    std::uint64_t lostPackets = 0;

    void onDiscardedEvents(std::uint64_t count, const HostRange&) override { discardedEvents += count; }
    void onDiscardedPackets(std::uint64_t count, const HostRange&) override { lostPackets += count; }

    void onEvent(const analyzer::CtfEventView& e) override
    {
        ++events;
        if (run || e.name() != "vcm:run_configuration")
            return;
        checkMachine(e);
        RecordedRun r;
        auto text = [&](const char* field) { return std::string(e.stringField(field).value_or("")); };
        r.scenario = text("scenario");
        r.scenarioText = text("scenario_text");
        r.policy = text("policy");
        r.overrides = split(text("overrides"), ';');
        r.vcmVersion = text("vcm_version");
        r.seed = e.unsignedField("seed").value_or(0);
        for (const std::string& entry : split(text("guests"), ';')) {
            const std::size_t equals = entry.find('=');
            if (equals != std::string::npos)
                r.guests.emplace_back(entry.substr(0, equals), entry.substr(equals + 1));
        }
        run = std::move(r);
    }
};

} // namespace

RecordedRun readRecordedRun(const std::filesystem::path& trace)
{
    ConfigurationReader reader;
    try {
        analyzer::readCtfTrace(trace, reader);
    } catch (const analyzer::CtfReadError& e) {
        throw ReplayError(e.what());
    }
    if (!reader.run)
        throw ReplayError(fmt::format("{}: no run_configuration event: not a vcm trace, or a flight-recorder snapshot "
                                      "whose buffers no longer held it",
                                      trace.string()));
    reader.run->trace = trace;
    reader.run->events = reader.events;
    reader.run->discardedEvents = reader.discardedEvents;
    reader.run->lostPackets = reader.lostPackets;
    return *reader.run;
}

} // namespace vcm::replay

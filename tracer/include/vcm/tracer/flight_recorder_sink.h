// The flight recorder's trigger: an EventSink that forwards every event and, at the first event that matters
// (a stale read, a clobber, a flush segment longer than a threshold), asks for a snapshot of the in-memory
// trace buffers, so a long run traced at low cost still keeps the moment and what led to it.
#pragma once

#include "vcm/tracer/forwarding_sink.h"

#include <functional>
#include <string>
#include <vector>

namespace vcm::tracer {

class FlightRecorderSink final : public ForwardingSink {
public:
    // `snapshot` is called once, right after the triggering event was forwarded, with a reason.
    FlightRecorderSink(EventSink& next, std::uint64_t flushSegmentThresholdNs,
                       std::function<void(const std::string& reason)> snapshot);

    bool triggered() const { return m_triggered; }

    void runConfiguration(const RunConfiguration& c) override;
    void agent(std::uint32_t id, AgentRole role, const std::string& name, std::int32_t core) override;
    void vcpuCreate(std::uint32_t vm, std::uint32_t vcpu, std::uint32_t agent, std::uint32_t core,
                    const std::string& vmName, const std::string& name) override;
    void flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core, std::uint32_t id,
                      std::uint64_t pages, std::uint64_t skipped, bool finished, std::uint64_t resume,
                      std::uint64_t delay) override;
    void staleRead(const StaleReadEvent& r) override;
    void clobber(const ClobberEvent& c) override;

private:
    void trigger(const std::string& reason);

    struct AgentRecord {
        std::uint32_t id;
        AgentRole role;
        std::string name;
        std::int32_t core;
    };
    struct VcpuRecord {
        std::uint32_t vm, vcpu, agent, core;
        std::string vmName, name;
    };
    std::uint64_t m_threshold;
    std::function<void(const std::string&)> m_snapshot;
    bool m_triggered = false;
    // Re-emitted before the snapshot: overwrite mode may have dropped the first ones.
    RunConfiguration m_configuration;
    std::vector<AgentRecord> m_agents;
    std::vector<VcpuRecord> m_vcpus;
};

} // namespace vcm::tracer

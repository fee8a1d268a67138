#include "vcm/tracer/flight_recorder_sink.h"

#include <fmt/core.h>

namespace vcm::tracer {

FlightRecorderSink::FlightRecorderSink(EventSink& next, std::uint64_t flushSegmentThresholdNs,
                                       std::function<void(const std::string& reason)> snapshot)
    : ForwardingSink(next), m_threshold(flushSegmentThresholdNs), m_snapshot(std::move(snapshot))
{
}

void FlightRecorderSink::runConfiguration(const RunConfiguration& c)
{
    m_configuration = c;
    ForwardingSink::runConfiguration(c);
}

void FlightRecorderSink::agent(std::uint32_t id, AgentRole role, const std::string& name, std::int32_t core)
{
    m_agents.push_back({id, role, name, core});
    ForwardingSink::agent(id, role, name, core);
}

void FlightRecorderSink::vcpuCreate(std::uint32_t vm, std::uint32_t vcpu, std::uint32_t agent, std::uint32_t core,
                                    const std::string& vmName, const std::string& name)
{
    m_vcpus.push_back({vm, vcpu, agent, core, vmName, name});
    ForwardingSink::vcpuCreate(vm, vcpu, agent, core, vmName, name);
}

void FlightRecorderSink::trigger(const std::string& reason)
{
    if (m_triggered)
        return;
    m_triggered = true;
    next().runConfiguration(m_configuration);
    for (const AgentRecord& a : m_agents)
        next().agent(a.id, a.role, a.name, a.core);
    for (const VcpuRecord& v : m_vcpus)
        next().vcpuCreate(v.vm, v.vcpu, v.agent, v.core, v.vmName, v.name);
    m_snapshot(reason);
}

void FlightRecorderSink::flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core,
                                      std::uint32_t id, std::uint64_t pages, std::uint64_t skipped, bool finished,
                                      std::uint64_t resume, std::uint64_t delay)
{
    ForwardingSink::flushSegment(start, end, vm, core, id, pages, skipped, finished, resume, delay);
    if (end - start > m_threshold)
        trigger(fmt::format("flush segment of {} ns on core {} (threshold {} ns)", end - start, core, m_threshold));
}

void FlightRecorderSink::staleRead(const StaleReadEvent& r)
{
    ForwardingSink::staleRead(r);
    trigger(fmt::format("stale read at {:#x}, virtual time {} ns", r.address, r.vtimeNs));
}

void FlightRecorderSink::clobber(const ClobberEvent& c)
{
    ForwardingSink::clobber(c);
    trigger(fmt::format("clobber at {:#x}, virtual time {} ns", c.address, c.vtimeNs));
}

} // namespace vcm::tracer

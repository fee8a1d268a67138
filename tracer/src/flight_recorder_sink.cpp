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

void FlightRecorderSink::staleRead(std::uint64_t t, std::uint32_t agent, std::int32_t core, std::uint64_t address,
                                   std::uint32_t words, std::uint64_t returned, std::uint64_t latest,
                                   std::uint32_t writer, ValueSourceKind source, std::uint32_t sourceInstance,
                                   ValueSourceKind held, std::uint32_t heldInstance)
{
    ForwardingSink::staleRead(t, agent, core, address, words, returned, latest, writer, source, sourceInstance, held,
                              heldInstance);
    trigger(fmt::format("stale read at {:#x}, virtual time {} ns", address, t));
}

void FlightRecorderSink::clobber(std::uint64_t t, std::uint64_t address, std::uint32_t words, ValueSourceKind origin,
                                 std::uint32_t instance, std::uint64_t lineVersion, std::uint64_t overwritten,
                                 const std::string& cause)
{
    ForwardingSink::clobber(t, address, words, origin, instance, lineVersion, overwritten, cause);
    trigger(fmt::format("clobber at {:#x}, virtual time {} ns", address, t));
}

} // namespace vcm::tracer

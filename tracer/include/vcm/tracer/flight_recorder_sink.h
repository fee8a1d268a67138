// The flight recorder's trigger: an EventSink that forwards every event and, at the first event that matters
// (a stale read, a clobber, a flush segment longer than a threshold), asks for a snapshot of the in-memory
// trace buffers, so a long run traced at low cost still keeps the moment and what led to it.
#pragma once

#include "vcm/tracer/event_sink.h"

#include <functional>
#include <string>
#include <vector>

namespace vcm::tracer {

class FlightRecorderSink final : public EventSink {
public:
    // `snapshot` is called once, right after the triggering event was forwarded, with a reason.
    FlightRecorderSink(EventSink& next, std::uint64_t flushSegmentThresholdNs,
                       std::function<void(const std::string& reason)> snapshot);

    bool triggered() const { return m_triggered; }

    void runConfiguration(const RunConfiguration& c) override
    {
        m_configuration = c;
        m_next.runConfiguration(c);
    }
    void runEnd(std::uint64_t t, std::uint64_t i) override { m_next.runEnd(t, i); }
    void agent(std::uint32_t id, AgentRole role, const std::string& name, std::int32_t core) override
    {
        m_agents.push_back({id, role, name, core});
        m_next.agent(id, role, name, core);
    }
    void vcpuCreate(std::uint32_t vm, std::uint32_t vcpu, std::uint32_t agent, std::uint32_t core,
                    const std::string& vmName, const std::string& name) override
    {
        m_vcpus.push_back({vm, vcpu, agent, core, vmName, name});
        m_next.vcpuCreate(vm, vcpu, agent, core, vmName, name);
    }
    void maintenance(std::uint64_t t, std::uint32_t a, std::int32_t c, MaintenanceOp op, std::uint64_t address,
                     std::uint64_t bytes, std::uint64_t cleaned, std::uint64_t invalidated,
                     std::uint64_t discarded) override
    {
        m_next.maintenance(t, a, c, op, address, bytes, cleaned, invalidated, discarded);
    }
    void vcpuRun(std::uint64_t t, std::uint32_t vm, std::uint32_t v, std::uint32_t c) override { m_next.vcpuRun(t, vm, v, c); }
    void vcpuStop(std::uint64_t t, std::uint32_t vm, std::uint32_t v, std::uint32_t c, VcpuStopReason r,
                  std::uint64_t i) override
    {
        m_next.vcpuStop(t, vm, v, c, r, i);
    }
    void vcpuMigrate(std::uint64_t t, std::uint32_t vm, std::uint32_t v, std::uint32_t f, std::uint32_t to) override
    {
        m_next.vcpuMigrate(t, vm, v, f, to);
    }
    void timerTick(std::uint64_t t, std::uint32_t c) override { m_next.timerTick(t, c); }
    void trap(std::uint64_t t, std::uint32_t vm, std::uint32_t v, std::uint32_t c, TrapKind k, std::uint32_t d,
              std::uint64_t o, std::uint64_t ov, std::uint64_t nv) override
    {
        m_next.trap(t, vm, v, c, k, d, o, ov, nv);
    }
    void sctlrChange(std::uint64_t t, std::uint32_t vm, std::uint32_t v, std::uint64_t o, std::uint64_t n) override
    {
        m_next.sctlrChange(t, vm, v, o, n);
    }
    void tvmChange(std::uint64_t t, std::uint32_t vm, std::uint32_t v, bool a) override { m_next.tvmChange(t, vm, v, a); }
    void console(std::uint64_t t, std::uint32_t vm, std::uint32_t v, const std::string& s) override
    {
        m_next.console(t, vm, v, s);
    }
    void marker(std::uint64_t t, std::uint32_t vm, std::uint32_t v, const std::string& s) override
    {
        m_next.marker(t, vm, v, s);
    }
    void flushRequest(std::uint64_t t, std::uint32_t vm, std::uint32_t v, std::uint32_t id, FlushReason r) override
    {
        m_next.flushRequest(t, vm, v, id, r);
    }
    void flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core, std::uint32_t id,
                      std::uint64_t pages, std::uint64_t skipped, bool finished, std::uint64_t resume,
                      std::uint64_t delay) override;
    void staleRead(std::uint64_t t, std::uint32_t agent, std::int32_t core, std::uint64_t address, std::uint32_t words,
                   std::uint64_t returned, std::uint64_t latest, std::uint32_t writer, ValueSourceKind source,
                   std::uint32_t sourceInstance, ValueSourceKind held, std::uint32_t heldInstance) override;
    void clobber(std::uint64_t t, std::uint64_t address, std::uint32_t words, ValueSourceKind origin,
                 std::uint32_t instance, std::uint64_t lineVersion, std::uint64_t overwritten,
                 const std::string& cause) override;
    void staleWindowOpen(std::uint64_t t, std::uint64_t p, const std::string& o, const std::string& c) override
    {
        m_next.staleWindowOpen(t, p, o, c);
    }
    void staleWindowClose(std::uint64_t t, std::uint64_t p, const std::string& r) override
    {
        m_next.staleWindowClose(t, p, r);
    }
    void toolstackWrite(std::uint64_t t, std::uint32_t vm, std::uint32_t c, std::uint32_t m, std::uint64_t i,
                        std::uint64_t b) override
    {
        m_next.toolstackWrite(t, vm, c, m, i, b);
    }

private:
    void trigger(const std::string& reason);

    EventSink& m_next;
    std::uint64_t m_threshold;
    std::function<void(const std::string&)> m_snapshot;
    bool m_triggered = false;
    struct AgentRecord {
        std::uint32_t id;
        AgentRole role;
        std::string name;
        std::int32_t core;
    };
    RunConfiguration m_configuration; // re-emitted before the snapshot: overwrite mode may have dropped it
    struct VcpuRecord {
        std::uint32_t vm, vcpu, agent, core;
        std::string vmName, name;
    };
    std::vector<AgentRecord> m_agents; // likewise
    std::vector<VcpuRecord> m_vcpus;   // likewise
};

} // namespace vcm::tracer

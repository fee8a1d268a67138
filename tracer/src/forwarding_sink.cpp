#include "vcm/tracer/forwarding_sink.h"

namespace vcm::tracer {

void ForwardingSink::runConfiguration(const RunConfiguration& c)
{
    beforeEvent("vcm:run_configuration", std::nullopt);
    m_next.runConfiguration(c);
}

void ForwardingSink::runEnd(std::uint64_t t, std::uint64_t instructions)
{
    beforeEvent("vcm:run_end", t);
    m_next.runEnd(t, instructions);
}

void ForwardingSink::agent(std::uint32_t id, AgentRole role, const std::string& name, std::int32_t core)
{
    beforeEvent("vcm:agent", std::nullopt);
    m_next.agent(id, role, name, core);
}

void ForwardingSink::vcpuCreate(std::uint32_t vm, std::uint32_t vcpu, std::uint32_t agent, std::uint32_t core,
                                const std::string& vmName, const std::string& name)
{
    beforeEvent("vcm:vcpu_create", std::nullopt);
    m_next.vcpuCreate(vm, vcpu, agent, core, vmName, name);
}

void ForwardingSink::vcpuRun(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core)
{
    beforeEvent("vcm:vcpu_run", t);
    m_next.vcpuRun(t, vm, vcpu, core);
}

void ForwardingSink::vcpuStop(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core,
                              VcpuStopReason reason, std::uint64_t instructions)
{
    beforeEvent("vcm:vcpu_stop", t);
    m_next.vcpuStop(t, vm, vcpu, core, reason, instructions);
}

void ForwardingSink::vcpuMigrate(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t from,
                                 std::uint32_t to)
{
    beforeEvent("vcm:vcpu_migrate", t);
    m_next.vcpuMigrate(t, vm, vcpu, from, to);
}

void ForwardingSink::timerTick(std::uint64_t t, std::uint32_t core)
{
    beforeEvent("vcm:timer_tick", t);
    m_next.timerTick(t, core);
}

void ForwardingSink::timerTicks(std::uint32_t core, std::uint64_t firstCycles, std::uint64_t periodCycles,
                                std::uint32_t count, std::uint32_t coreMHz)
{
    beforeEvent("vcm:timer_ticks", firstCycles * 1000 / coreMHz);
    m_next.timerTicks(core, firstCycles, periodCycles, count, coreMHz);
}

void ForwardingSink::trap(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core, TrapKind kind,
                          std::uint32_t detail, std::uint64_t operand, std::uint64_t oldValue, std::uint64_t newValue)
{
    beforeEvent("vcm:trap", t);
    m_next.trap(t, vm, vcpu, core, kind, detail, operand, oldValue, newValue);
}

void ForwardingSink::setWayTraps(const SetWayTrapBatch& batch)
{
    beforeEvent("vcm:setway_trap_batch", batch.nanoseconds(batch.firstCycles));
    m_next.setWayTraps(batch);
}

void ForwardingSink::sctlrChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint64_t oldValue,
                                 std::uint64_t newValue)
{
    beforeEvent("vcm:sctlr_change", t);
    m_next.sctlrChange(t, vm, vcpu, oldValue, newValue);
}

void ForwardingSink::tvmChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, bool armed)
{
    beforeEvent("vcm:tvm_change", t);
    m_next.tvmChange(t, vm, vcpu, armed);
}

void ForwardingSink::console(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& text)
{
    beforeEvent("vcm:console", t);
    m_next.console(t, vm, vcpu, text);
}

void ForwardingSink::marker(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& name)
{
    beforeEvent("vcm:marker", t);
    m_next.marker(t, vm, vcpu, name);
}

void ForwardingSink::flushRequest(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t flushId,
                                  FlushReason reason)
{
    beforeEvent("vcm:flush_request", t);
    m_next.flushRequest(t, vm, vcpu, flushId, reason);
}

void ForwardingSink::flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core,
                                  std::uint32_t flushId, std::uint64_t pages, std::uint64_t regionsSkipped,
                                  bool finished, std::uint64_t resumeGfn, std::uint64_t unpreemptedDelayNs)
{
    beforeEvent("vcm:flush_segment_begin", start);
    beforeEvent("vcm:flush_segment_end", end);
    m_next.flushSegment(start, end, vm, core, flushId, pages, regionsSkipped, finished, resumeGfn, unpreemptedDelayNs);
}

void ForwardingSink::maintenance(std::uint64_t t, std::uint32_t agent, std::int32_t core, MaintenanceOp op,
                                 std::uint64_t address, std::uint64_t bytes, std::uint64_t cleaned,
                                 std::uint64_t invalidated, std::uint64_t discarded)
{
    beforeEvent("vcm:maintenance", t);
    m_next.maintenance(t, agent, core, op, address, bytes, cleaned, invalidated, discarded);
}

void ForwardingSink::staleRead(const StaleReadEvent& r)
{
    beforeEvent("vcm:stale_read", r.vtimeNs);
    m_next.staleRead(r);
}

void ForwardingSink::clobber(const ClobberEvent& c)
{
    beforeEvent("vcm:clobber", c.vtimeNs);
    m_next.clobber(c);
}

void ForwardingSink::staleWindowOpen(std::uint64_t t, std::uint64_t page, const std::string& observers,
                                     const std::string& cause)
{
    beforeEvent("vcm:stale_window_open", t);
    m_next.staleWindowOpen(t, page, observers, cause);
}

void ForwardingSink::staleWindowClose(std::uint64_t t, std::uint64_t page, const std::string& resolvedBy)
{
    beforeEvent("vcm:stale_window_close", t);
    m_next.staleWindowClose(t, page, resolvedBy);
}

void ForwardingSink::toolstackWrite(std::uint64_t t, std::uint32_t vm, std::uint32_t core, std::uint32_t mode,
                                    std::uint64_t ipa, std::uint64_t bytes)
{
    beforeEvent("vcm:toolstack_write", t);
    m_next.toolstackWrite(t, vm, core, mode, ipa, bytes);
}

} // namespace vcm::tracer

// LttngEventSink: one lttng_ust_tracepoint() per event.
#include "vcm/tracer/lttng_event_sink.h"

#include "vcm_tracepoints.h"

#include <algorithm>
#include <stdexcept>

namespace vcm::tracer {
namespace {

std::uint8_t u8(auto value)
{
    return static_cast<std::uint8_t>(value);
}

} // namespace

bool LttngEventSink::enabled()
{
    return lttng_ust_tracepoint_enabled(vcm, run_configuration);
}

void LttngEventSink::runConfiguration(const RunConfiguration& c)
{
    const vcm_tp_run_configuration record{c.scenario.c_str(), c.scenarioText.c_str(), c.policy.c_str(),
                                          c.knobs.c_str(), c.overrides.c_str(), c.vcmVersion.c_str(),
                                          c.guests.c_str(), c.seed,
                                          c.clusters, c.coresPerCluster, c.lineBytes, c.l1Bytes, c.l1Ways,
                                          c.l2Bytes, c.l2Ways, c.systemCacheBytes, c.systemCacheWays, c.coreMHz};
    lttng_ust_tracepoint(vcm, run_configuration, &record);
}

void LttngEventSink::runEnd(std::uint64_t vtimeNs, std::uint64_t instructions)
{
    lttng_ust_tracepoint(vcm, run_end, vtimeNs, instructions);
}

void LttngEventSink::agent(std::uint32_t id, AgentRole role, const std::string& name, std::int32_t core)
{
    lttng_ust_tracepoint(vcm, agent, id, u8(role), name.c_str(), core);
}

void LttngEventSink::vcpuCreate(std::uint32_t vm, std::uint32_t vcpu, std::uint32_t agent, std::uint32_t core,
                                const std::string& vmName, const std::string& name)
{
    lttng_ust_tracepoint(vcm, vcpu_create, vm, vcpu, agent, core, vmName.c_str(), name.c_str());
}

void LttngEventSink::maintenance(std::uint64_t t, std::uint32_t agent, std::int32_t core, MaintenanceOp op,
                                 std::uint64_t address, std::uint64_t bytes, std::uint64_t cleaned,
                                 std::uint64_t invalidated, std::uint64_t discarded)
{
    lttng_ust_tracepoint(vcm, maintenance, t, agent, core, u8(op), address, bytes, cleaned, invalidated, discarded);
}

void LttngEventSink::vcpuRun(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core)
{
    lttng_ust_tracepoint(vcm, vcpu_run, t, vm, vcpu, core);
}

void LttngEventSink::vcpuStop(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core,
                              VcpuStopReason reason, std::uint64_t instructions)
{
    lttng_ust_tracepoint(vcm, vcpu_stop, t, vm, vcpu, core, u8(reason), instructions);
}

void LttngEventSink::vcpuMigrate(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t from,
                                 std::uint32_t to)
{
    lttng_ust_tracepoint(vcm, vcpu_migrate, t, vm, vcpu, from, to);
}

void LttngEventSink::timerTick(std::uint64_t t, std::uint32_t core)
{
    lttng_ust_tracepoint(vcm, timer_tick, t, core);
}

void LttngEventSink::timerTicks(std::uint32_t core, std::uint64_t firstCycles, std::uint64_t periodCycles,
                                std::uint32_t count, std::uint32_t coreMHz)
{
    if (count == 0)
        return;
    const TimerTicks ticks{core, coreMHz, firstCycles, periodCycles, count};
    lttng_ust_tracepoint(vcm, timer_ticks, ticks.nanoseconds(0), ticks.nanoseconds(count - 1), core, coreMHz,
                         firstCycles, periodCycles, count);
}

void LttngEventSink::trap(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core, TrapKind kind,
                          std::uint32_t detail, std::uint64_t operand, std::uint64_t oldValue, std::uint64_t newValue)
{
    lttng_ust_tracepoint(vcm, trap, t, vm, vcpu, core, u8(kind), detail, operand, oldValue, newValue);
}

void LttngEventSink::setWayTraps(const SetWayTrapBatch& batch)
{
    // The trace's lengths are two bytes; SetWayTrapRecorder's batches are far shorter.
    constexpr std::size_t kLongest = 0xffff;
    if (batch.codes.size() > kLongest || batch.literals.size() > kLongest)
        throw std::length_error("vcm:setway_trap_batch: a batch longer than the trace can hold");
    const vcm_tp_setway_trap_batch b{.vtime_ns = batch.nanoseconds(batch.firstCycles),
                                     .last_vtime_ns = batch.nanoseconds(batch.lastCycles),
                                     .vm = batch.vm,
                                     .vcpu = batch.vcpu,
                                     .core = batch.core,
                                     .core_mhz = batch.coreMHz,
                                     .count = batch.count,
                                     .first_cycles = batch.firstCycles,
                                     .last_cycles = batch.lastCycles,
                                     .first_op = batch.firstOp,
                                     .first_operand = batch.firstOperand,
                                     .codes = batch.codes.data(),
                                     .code_bytes = static_cast<std::uint16_t>(batch.codes.size()),
                                     .literals = batch.literals.data(),
                                     .literal_bytes = static_cast<std::uint16_t>(batch.literals.size())};
    lttng_ust_tracepoint(vcm, setway_trap_batch, &b);
}

void LttngEventSink::sctlrChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint64_t oldValue,
                                 std::uint64_t newValue)
{
    lttng_ust_tracepoint(vcm, sctlr_change, t, vm, vcpu, oldValue, newValue);
}

void LttngEventSink::tvmChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, bool armed)
{
    lttng_ust_tracepoint(vcm, tvm_change, t, vm, vcpu, u8(armed));
}

void LttngEventSink::console(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& text)
{
    lttng_ust_tracepoint(vcm, console, t, vm, vcpu, text.c_str());
}

void LttngEventSink::marker(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& name)
{
    lttng_ust_tracepoint(vcm, marker, t, vm, vcpu, name.c_str());
}

void LttngEventSink::flushRequest(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t flushId,
                                  FlushReason reason)
{
    lttng_ust_tracepoint(vcm, flush_request, t, vm, vcpu, flushId, u8(reason));
}

void LttngEventSink::flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core,
                                  std::uint32_t flushId, std::uint64_t pages, std::uint64_t regionsSkipped,
                                  bool finished, std::uint64_t resumeGfn, std::uint64_t unpreemptedDelayNs)
{
    lttng_ust_tracepoint(vcm, flush_segment_begin, start, vm, core, flushId);
    lttng_ust_tracepoint(vcm, flush_segment_end, end, vm, core, flushId, pages, regionsSkipped, u8(finished),
                         resumeGfn, unpreemptedDelayNs);
}

void LttngEventSink::staleRead(const StaleReadEvent& r)
{
    const vcm_tp_stale_read record{r.vtimeNs,         r.agent,         r.core,           r.address,
                                   r.staleWords,      r.versionReturned, r.latestVersion, r.latestWriter,
                                   r.latestWriteNs,   u8(r.source),    r.sourceInstance, u8(r.latestHeldIn),
                                   r.heldInstance};
    lttng_ust_tracepoint(vcm, stale_read, &record);
}

void LttngEventSink::clobber(const ClobberEvent& c)
{
    const vcm_tp_clobber record{c.vtimeNs,
                                c.address,
                                c.words,
                                u8(c.origin),
                                c.originInstance,
                                c.lineVersion,
                                c.overwrittenVersion,
                                static_cast<std::uint8_t>(c.overwrittenWriteKnown ? 1 : 0),
                                c.overwrittenWriter,
                                c.overwrittenWriteNs};
    lttng_ust_tracepoint(vcm, clobber, &record, c.cause.c_str());
}

void LttngEventSink::staleWindowOpen(std::uint64_t t, std::uint64_t page, const std::string& observers,
                                     const std::string& cause)
{
    lttng_ust_tracepoint(vcm, stale_window_open, t, page, observers.c_str(), cause.c_str());
}

void LttngEventSink::staleWindowClose(std::uint64_t t, std::uint64_t page, const std::string& resolvedBy)
{
    lttng_ust_tracepoint(vcm, stale_window_close, t, page, resolvedBy.c_str());
}

void LttngEventSink::toolstackWrite(std::uint64_t t, std::uint32_t vm, std::uint32_t core, std::uint32_t mode,
                                    std::uint64_t ipa, std::uint64_t bytes)
{
    lttng_ust_tracepoint(vcm, toolstack_write, t, vm, core, u8(mode), ipa, bytes);
}

} // namespace vcm::tracer

#include "vcm/replay/instant_inspection.h"

#include "vcm/replay/replayer.h"
#include "vcm/tracer/event_sink.h"

#include <fmt/core.h>

namespace vcm::replay {
namespace {

using tracer::EventSink;

// Counts events as the trace has them (one per call, two for flushSegment: begin and end) and captures
// the machine at the chosen one.
class InstantCatcher final : public EventSink {
public:
    InstantCatcher(const Instant& instant, const std::vector<std::uint64_t>& addresses)
        : m_instant(instant), m_addresses(addresses)
    {
        if (m_instant.firstEvent && !m_instant.firstEvent->starts_with("vcm:"))
            m_instant.firstEvent = "vcm:" + *m_instant.firstEvent;
    }

    void setMachine(hyp::Machine& machine) { m_machine = &machine; }
    void setPolicies(const std::vector<const hyp::policy::CachePolicy*>& policies) { m_policies = policies; }
    std::optional<MachineState>& state() { return m_state; }

    void runConfiguration(const tracer::RunConfiguration&) override { step("vcm:run_configuration", {}); }
    void runEnd(std::uint64_t t, std::uint64_t) override { step("vcm:run_end", t); }
    void agent(std::uint32_t, tracer::AgentRole, const std::string&, std::int32_t) override { step("vcm:agent", {}); }
    void vcpuCreate(std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, const std::string&,
                    const std::string&) override
    {
        step("vcm:vcpu_create", {});
    }
    void vcpuRun(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t) override { step("vcm:vcpu_run", t); }
    void vcpuStop(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t, tracer::VcpuStopReason,
                  std::uint64_t) override
    {
        step("vcm:vcpu_stop", t);
    }
    void vcpuMigrate(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t) override
    {
        step("vcm:vcpu_migrate", t);
    }
    void timerTick(std::uint64_t t, std::uint32_t) override { step("vcm:timer_tick", t); }
    void trap(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t, tracer::TrapKind, std::uint32_t,
              std::uint64_t, std::uint64_t, std::uint64_t) override
    {
        step("vcm:trap", t);
    }
    void sctlrChange(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint64_t, std::uint64_t) override
    {
        step("vcm:sctlr_change", t);
    }
    void tvmChange(std::uint64_t t, std::uint32_t, std::uint32_t, bool) override { step("vcm:tvm_change", t); }
    void console(std::uint64_t t, std::uint32_t, std::uint32_t, const std::string&) override { step("vcm:console", t); }
    void marker(std::uint64_t t, std::uint32_t, std::uint32_t, const std::string&) override { step("vcm:marker", t); }
    void flushRequest(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t, tracer::FlushReason) override
    {
        step("vcm:flush_request", t);
    }
    void flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t, std::uint32_t, std::uint32_t,
                      std::uint64_t, std::uint64_t, bool, std::uint64_t, std::uint64_t) override
    {
        step("vcm:flush_segment_begin", start);
        step("vcm:flush_segment_end", end);
    }
    void maintenance(std::uint64_t t, std::uint32_t, std::int32_t, tracer::MaintenanceOp, std::uint64_t,
                     std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) override
    {
        step("vcm:maintenance", t);
    }
    void staleRead(std::uint64_t t, std::uint32_t, std::int32_t, std::uint64_t, std::uint32_t, std::uint64_t,
                   std::uint64_t, std::uint32_t, tracer::ValueSourceKind, std::uint32_t, tracer::ValueSourceKind,
                   std::uint32_t) override
    {
        step("vcm:stale_read", t);
    }
    void clobber(std::uint64_t t, std::uint64_t, std::uint32_t, tracer::ValueSourceKind, std::uint32_t, std::uint64_t,
                 std::uint64_t, const std::string&) override
    {
        step("vcm:clobber", t);
    }
    void staleWindowOpen(std::uint64_t t, std::uint64_t, const std::string&, const std::string&) override
    {
        step("vcm:stale_window_open", t);
    }
    void staleWindowClose(std::uint64_t t, std::uint64_t, const std::string&) override
    {
        step("vcm:stale_window_close", t);
    }
    void toolstackWrite(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t,
                        std::uint64_t) override
    {
        step("vcm:toolstack_write", t);
    }

private:
    void step(const char* name, std::optional<std::uint64_t> vtime)
    {
        const std::uint64_t index = m_index++;
        if (m_state || m_machine == nullptr)
            return;
        const bool here = (m_instant.eventIndex && index == *m_instant.eventIndex) ||
                          (m_instant.vtimeNs && vtime && *vtime >= *m_instant.vtimeNs) ||
                          (m_instant.firstEvent && *m_instant.firstEvent == name);
        if (!here)
            return;
        m_state = captureMachineState(*m_machine, m_policies, m_addresses);
        m_state->eventIndex = index;
        m_state->event = name;
        m_state->vtimeNs = vtime;
    }

    Instant m_instant;
    std::vector<std::uint64_t> m_addresses;
    hyp::Machine* m_machine = nullptr;
    std::vector<const hyp::policy::CachePolicy*> m_policies;
    std::uint64_t m_index = 0;
    std::optional<MachineState> m_state;
};

} // namespace

std::optional<MachineState> inspectAt(const RecordedRun& run, const Instant& instant,
                                      const std::vector<std::uint64_t>& addresses,
                                      const std::filesystem::path& guestDirectory)
{
    const std::vector<GuestChange> changes = changedGuests(run, guestDirectory);
    if (!changes.empty())
        throw ReplayError(fmt::format("{}: guest image {} changed since the recording (recorded {}, now {})",
                                      run.trace.string(), changes.front().program, changes.front().recorded,
                                      changes.front().now));
    TemporaryDirectory work("vcm-replay-scenario");
    const hyp::scenario::Scenario scenario = recordedScenario(run, {}, work.path());
    InstantCatcher catcher(instant, addresses);
    hyp::scenario::RunHooks hooks;
    hooks.machineCreated = [&](hyp::Machine& machine) { catcher.setMachine(machine); };
    hooks.beforeRun = [&](hyp::Machine&, const std::vector<const hyp::policy::CachePolicy*>& policies) {
        catcher.setPolicies(policies);
    };
    // The run goes on to its end after the instant (stopping a Unicorn engine from inside an event would
    // need unwinding through C frames); what matters was captured.
    hyp::scenario::runScenario(scenario, guestDirectory, &catcher, hooks);
    return catcher.state();
}

} // namespace vcm::replay

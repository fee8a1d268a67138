#include "vcm/replay/instant_inspection.h"

#include "vcm/replay/replayer.h"
#include "vcm/tracer/forwarding_sink.h"

#include <fmt/core.h>

namespace vcm::replay {
namespace {

// Counts events as the trace has them (ForwardingSink names each, a flush segment as two) and captures the
// machine at the chosen one. Nothing is passed on: the replay of an instant is not traced.
class InstantCatcher final : public tracer::ForwardingSink {
public:
    InstantCatcher(const Instant& instant, const std::vector<std::uint64_t>& addresses)
        : ForwardingSink(s_nowhere), m_instant(instant), m_addresses(addresses)
    {
        if (m_instant.firstEvent && !m_instant.firstEvent->starts_with("vcm:"))
            m_instant.firstEvent = "vcm:" + *m_instant.firstEvent;
    }

    void setMachine(hyp::Machine& machine) { m_machine = &machine; }
    void setPolicies(const std::vector<const hyp::policy::CachePolicy*>& policies) { m_policies = policies; }
    std::optional<MachineState>& state() { return m_state; }

protected:
    void beforeEvent(const char* name, std::optional<std::uint64_t> vtime) override
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

private:
    static inline tracer::EventSink s_nowhere; // the base EventSink ignores every event

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

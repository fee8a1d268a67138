// The policy base (queued and immediate flushes), knob parsing and the registry of policies by name.
#include "vcm/hyp/policy/cache_policy.h"

#include "policy_factories.h"

#include "vcm/hyp/machine.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>

namespace vcm::hyp::policy {

CachePolicy::CachePolicy(Machine& machine, FlushCosts costs) : m_machine(machine), m_costs(costs) {}

CachePolicy::~CachePolicy() = default;

void CachePolicy::onVmCreated(std::size_t vmIndex)
{
    m_vm = vmIndex;
}

bool CachePolicy::hasPendingWork(const cpu::Vcpu& vcpu) const
{
    return m_pending.contains(&vcpu);
}

bool CachePolicy::runPendingWork(cpu::Vcpu& vcpu, const cpu::PreemptionQuery& preemption)
{
    auto it = m_pending.find(&vcpu);
    if (it == m_pending.end())
        return true;
    if (!it->second->run(vcpu.core(), preemption))
        return false;
    m_pending.erase(it);
    onFlushFinished(vcpu);
    return true;
}

void CachePolicy::onFlushFinished(cpu::Vcpu&) {}

std::size_t CachePolicy::beginRecord(cpu::Vcpu& vcpu, FlushReason reason)
{
    FlushRecord record;
    record.vm = m_vm;
    record.vcpu = vcpu.config().name;
    record.reason = reason;
    record.requestedAt = m_machine.memory().coreTime(vcpu.core());
    m_flushes.records.push_back(record);
    const std::size_t index = m_flushes.records.size() - 1;
    if (tracer::EventSink* events = m_machine.eventSink())
        events->flushRequest(m_machine.nanoseconds(record.requestedAt), static_cast<std::uint32_t>(m_vm),
                             vcpu.config().index, static_cast<std::uint32_t>(index),
                             static_cast<tracer::FlushReason>(reason));
    return index;
}

void CachePolicy::requestFlush(cpu::Vcpu& vcpu, FlushReason reason, vm::WalkFilter filter, PreemptionRule rule)
{
    if (m_pending.contains(&vcpu))
        return; // one flush covers every request made before it finishes
    m_pending.emplace(&vcpu, std::make_unique<FlushContinuation>(m_machine, m_vm, filter, rule, m_costs, m_flushes,
                                                                 beginRecord(vcpu, reason), m_flushPageToRam));
    vcpu.exitToHypervisor();
}

namespace {

// A flush inside a trap handler never yields, but the work it delays is still measured.
class NeverYield final : public cpu::PreemptionQuery {
public:
    explicit NeverYield(const cpu::PreemptionQuery& core) : m_core(core) {}
    bool workPending() const override { return false; }
    memory::Cycles pendingSince() const override { return m_core.pendingSince(); }

private:
    const cpu::PreemptionQuery& m_core;
};

} // namespace

void CachePolicy::flushNow(cpu::Vcpu& vcpu, FlushReason reason, vm::WalkFilter filter)
{
    FlushContinuation flush(m_machine, m_vm, filter, PreemptionRule{}, m_costs, m_flushes, beginRecord(vcpu, reason),
                            m_flushPageToRam);
    flush.run(vcpu.core(), NeverYield(m_machine.preemption(vcpu.core())));
}

// ----------------------------------------------------------------------------------------------------------

KnobReader::KnobReader(std::string_view policy, const PolicyKnobs& knobs) : m_policy(policy), m_knobs(knobs) {}

bool KnobReader::boolean(const std::string& name, bool fallback)
{
    m_used.push_back(name);
    auto it = m_knobs.find(name);
    if (it == m_knobs.end())
        return fallback;
    if (it->second == "true" || it->second == "1")
        return true;
    if (it->second == "false" || it->second == "0")
        return false;
    throw PolicyError(fmt::format("policy {}: knob {} = '{}' is not a boolean (expected true or false)", m_policy,
                                  name, it->second));
}

std::uint64_t KnobReader::unsignedInteger(const std::string& name, std::uint64_t fallback)
{
    m_used.push_back(name);
    auto it = m_knobs.find(name);
    if (it == m_knobs.end())
        return fallback;
    std::uint64_t value = 0;
    const std::string& text = it->second;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size())
        throw PolicyError(fmt::format("policy {}: knob {} = '{}' is not a non-negative integer", m_policy, name, text));
    return value;
}

void KnobReader::rejectUnknown() const
{
    for (const auto& [name, value] : m_knobs)
        if (std::find(m_used.begin(), m_used.end(), name) == m_used.end()) {
            std::string known;
            for (const std::string& used : m_used)
                known += known.empty() ? used : ", " + used;
            throw PolicyError(fmt::format("policy {}: unknown knob '{}' (known: {})", m_policy, name, known));
        }
}

// ----------------------------------------------------------------------------------------------------------

namespace {

struct Entry {
    const char* name;
    std::unique_ptr<CachePolicy> (*create)(Machine&, KnobReader&, FlushCosts);
};

constexpr Entry kPolicies[] = {
    {"native", createNativePolicy},   {"xen-rfc", createXenRfcPolicy},     {"xen", createXenPolicy},
    {"kvm", createKvmPolicy},         {"kvm-6.1", createKvm61Policy},      {"kvm-fwb", createKvmFwbPolicy},
    {"dc-bit", createDcBitPolicy},    {"fault-flush", createFaultFlushPolicy},
};

} // namespace

std::vector<std::string> policyNames()
{
    std::vector<std::string> names;
    for (const Entry& e : kPolicies)
        names.emplace_back(e.name);
    return names;
}

std::unique_ptr<CachePolicy> createPolicy(std::string_view name, Machine& machine, const PolicyKnobs& knobs)
{
    for (const Entry& e : kPolicies) {
        if (name != e.name)
            continue;
        KnobReader reader(name, knobs);
        FlushCosts costs;
        costs.p2mPerPage = reader.unsignedInteger("p2m_page_cycles", costs.p2mPerPage);
        costs.p2mPerRegion = reader.unsignedInteger("p2m_region_cycles", costs.p2mPerRegion);
        auto policy = e.create(machine, reader, costs);
        reader.rejectUnknown();
        return policy;
    }
    std::string known;
    for (const Entry& e : kPolicies)
        known += known.empty() ? e.name : fmt::format(", {}", e.name);
    throw PolicyError(fmt::format("unknown policy '{}' (known: {})", name, known));
}

} // namespace vcm::hyp::policy

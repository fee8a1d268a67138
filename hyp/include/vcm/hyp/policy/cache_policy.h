// The cache-maintenance policies of Xen and KVM (and their historical variants): what the hypervisor traps
// and what it does about set/way operations and caches being turned on and off. Each policy is one class
// behind this interface, selected by name, with its knobs; docs/policies.md describes them and the
// upstream code each mirrors.
#pragma once

#include "vcm/hyp/cpu/vcpu.h"
#include "vcm/hyp/policy/flush_continuation.h"
#include "vcm/hyp/policy/flush_log.h"

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vcm::hyp {
class Machine;
}

namespace vcm::hyp::policy {

// Knobs by name, as given on the command line (--set knob=value) or in a scenario's [policy] table.
using PolicyKnobs = std::map<std::string, std::string>;

// Raised for an unknown policy, an unknown knob or a bad knob value; the message names it and what is allowed.
class PolicyError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// One VM's policy instance: a TrapHandler with the machine it works on and a flush log.
class CachePolicy : public cpu::TrapHandler {
public:
    CachePolicy(Machine& machine, FlushCosts costs);
    ~CachePolicy() override;

    virtual const char* name() const = 0;
    // Called once the VM exists (its stage 2 is mapped): e.g. Xen arms access tracking here.
    void onVmCreated(std::size_t vmIndex) override;

    const FlushLog& flushes() const { return m_flushes; }

    bool hasPendingWork(const cpu::Vcpu& vcpu) const override;
    bool runPendingWork(cpu::Vcpu& vcpu, const cpu::PreemptionQuery& preemption) override;

protected:
    // Queues a full-guest flush that runs before `vcpu` returns to its guest, preemptible by `rule`.
    void requestFlush(cpu::Vcpu& vcpu, FlushReason reason, vm::WalkFilter filter, PreemptionRule rule);
    // Runs a full-guest flush now, in the trap handler, without any preemption point.
    void flushNow(cpu::Vcpu& vcpu, FlushReason reason, vm::WalkFilter filter);
    // Called when a queued flush has finished.
    virtual void onFlushFinished(cpu::Vcpu& vcpu);

    Machine& m_machine;
    std::size_t m_vm = 0;
    FlushCosts m_costs;
    // What a full-guest flush does to each page (a policy's knobs may re-create a defect of it).
    FlushPageToRam m_flushPageToRam;
    FlushLog m_flushes;

private:
    std::size_t beginRecord(cpu::Vcpu& vcpu, FlushReason reason);
    std::map<const cpu::Vcpu*, std::unique_ptr<FlushContinuation>> m_pending;
};

// Reads knob values, remembering which were used so unknown ones can be reported.
class KnobReader {
public:
    KnobReader(std::string_view policy, const PolicyKnobs& knobs);
    bool boolean(const std::string& name, bool fallback);
    std::uint64_t unsignedInteger(const std::string& name, std::uint64_t fallback);
    // Throws PolicyError naming any knob that no read asked for.
    void rejectUnknown() const;

private:
    std::string m_policy;
    const PolicyKnobs& m_knobs;
    std::vector<std::string> m_used;
};

std::vector<std::string> policyNames();

// The size of what one stage-2 fault maps under a policy that maps the VM's RAM on demand (kvm, kvm-6.1, kvm-fwb,
// fault-flush: their knob stage2_block_kib or its default), in bytes; nothing for a policy that maps all of RAM when
// the VM is created. Throws PolicyError for a bad knob value.
std::optional<std::uint64_t> onDemandStage2BlockBytes(std::string_view policy, const PolicyKnobs& knobs);
// Throws PolicyError for an unknown name or knob.
std::unique_ptr<CachePolicy> createPolicy(std::string_view name, Machine& machine, const PolicyKnobs& knobs = {});

} // namespace vcm::hyp::policy

// fault-flush: Marc Zyngier's 2014 series (seed 002, "arm64: KVM: host cache maintainance when guest caches
// are off"): pages are mapped into stage 2 lazily, on the guest's first access; on such a stage-2 fault
// while the guest's caches are off the page is cleaned to the PoC first (coherent_cache_guest_page);
// SCTLR_EL1 is trapped (TVM) until the guest turns M and C on, and at that transition the VM's pages are
// cleaned and invalidated (9d218a1fcf4c "flush VM pages before letting the guest enable caches"), with a
// reschedule point per 1 GiB as stage2_flush_vm has. Set/way operations are not trapped.
#include "on_demand_stage2.h"
#include "policy_factories.h"

#include "vcm/hyp/machine.h"

namespace vcm::hyp::policy {
namespace {

class FaultFlushPolicy final : public CachePolicy {
public:
    FaultFlushPolicy(Machine& machine, FlushCosts costs, PreemptionRule rule, std::uint64_t blockPages)
        : CachePolicy(machine, costs), m_rule(rule), m_stage2(blockPages)
    {
    }
    const char* name() const override { return "fault-flush"; }

    void onVmCreated(std::size_t vmIndex) override
    {
        CachePolicy::onVmCreated(vmIndex);
        // Nothing is faulted in yet: every first access goes through onStage2Fault.
        m_stage2.start(m_machine, m_vm);
    }

    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tsw = false; hcr.tvm = true; });
    }

    bool onStage2Fault(cpu::Vcpu& vcpu, std::uint64_t ipa) override
    {
        return m_stage2.onFault(m_machine, m_vm, ipa, [&](const FaultedBlock& block) {
            if (!vcpu.cachesOn())
                OnDemandStage2::cleanToPoC(m_machine, vcpu.core(), block);
        });
    }

    void onVmRegisterWrite(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::uint64_t, std::uint64_t newValue) override
    {
        const bool wasEnabled = vcpu.cachesOn();
        vcpu.writeRegister(reg, newValue);
        if (!wasEnabled && vcpu.cachesOn()) {
            // stage2_flush_vm walks the pages present in stage 2: those faulted in so far.
            requestFlush(vcpu, FlushReason::CachesOn, vm::WalkFilter::ValidOnly, m_rule);
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = false; });
        }
    }

private:
    PreemptionRule m_rule;
    OnDemandStage2 m_stage2;
};

} // namespace

std::unique_ptr<CachePolicy> createFaultFlushPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs)
{
    PreemptionRule rule;
    rule.kind = PreemptionRule::Kind::ReschedPerChunk;
    // Stage-2 blocks for hugetlbfs (3.11) and THP (3.12) came before the series; its scenarios use 4 KiB pages, and
    // coherent_cache_guest_page cleans whatever size was mapped.
    const std::uint64_t blockPages = onDemandBlockPages("fault-flush", knobs);
    return std::make_unique<FaultFlushPolicy>(machine, costs, rule, blockPages);
}

} // namespace vcm::hyp::policy

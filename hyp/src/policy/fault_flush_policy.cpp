// fault-flush: Marc Zyngier's 2014 series (seed 002, "arm64: KVM: host cache maintainance when guest caches
// are off"): pages are mapped into stage 2 lazily, on the guest's first access; on such a stage-2 fault
// while the guest's caches are off the page is cleaned to the PoC first (coherent_cache_guest_page);
// SCTLR_EL1 is trapped (TVM) until the guest turns M and C on, and at that transition the VM's pages are
// cleaned and invalidated (9d218a1fcf4c "flush VM pages before letting the guest enable caches"), with a
// reschedule point per 1 GiB as stage2_flush_vm has. Set/way operations are not trapped.
#include "policy_factories.h"

#include "vcm/hyp/machine.h"

namespace vcm::hyp::policy {
namespace {

class FaultFlushPolicy final : public CachePolicy {
public:
    FaultFlushPolicy(Machine& machine, FlushCosts costs, PreemptionRule rule)
        : CachePolicy(machine, costs), m_rule(rule)
    {
    }
    const char* name() const override { return "fault-flush"; }

    void onVmCreated(std::size_t vmIndex) override
    {
        CachePolicy::onVmCreated(vmIndex);
        // Nothing is faulted in yet: every first access goes through onStage2Fault.
        const VmSpec& spec = m_machine.vmSpec(m_vm);
        m_machine.stage2(m_vm).setValid(spec.ramIpa >> 12, spec.ramBytes >> 12, false);
    }

    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tsw = false; hcr.tvm = true; });
    }

    bool onStage2Fault(cpu::Vcpu& vcpu, std::uint64_t ipa) override
    {
        vm::Stage2Table& stage2 = m_machine.stage2(m_vm);
        const vm::Gfn gfn = ipa >> 12;
        const auto leaf = stage2.lookup(gfn);
        if (!leaf || leaf->valid)
            return false;
        if (!vcpu.cachesOn()) {
            const vm::Mfn mfn = leaf->mfn + (gfn - leaf->gfn);
            m_machine.memory().maintainRange(m_machine.hypervisorAgent(vcpu.core()),
                                             memory::ByAddressOp::CleanInvalidateToPoC, mfn << 12, 4096);
        }
        stage2.setValid(gfn, 1, true);
        return true;
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
};

} // namespace

std::unique_ptr<CachePolicy> createFaultFlushPolicy(Machine& machine, KnobReader&, FlushCosts costs)
{
    PreemptionRule rule;
    rule.kind = PreemptionRule::Kind::ReschedPerChunk;
    return std::make_unique<FaultFlushPolicy>(machine, costs, rule);
}

} // namespace vcm::hyp::policy

// kvm-fwb: KVM with FEAT_S2FWB (v4.19 "Add support for Stage-2 control of memory types and cacheability",
// 2019 "Don't set HCR_EL2.TVM when S2FWB is supported"). Stage 2 forces Normal write-back, so every guest
// access to RAM is cacheable and coherent: no flush is ever needed and TVM is never set.
// KVM still sets TSW and access_dcsw does nothing ("Only track S/W ops if we don't have FWB"): set/way operations
// trap and are ignored, as the 6.12 reference trace on -cpu max shows (knob trap_setway=false leaves them
// untrapped; with FWB the local set/way maintenance is harmless either way). As 6.12 does, HCR_EL2.TID2 traps the
// cache ID registers and the guest sees one set of one way (kvm_cache_geometry.h). Stage 2 is mapped on demand as
// under kvm (knob stage2_block_kib, default 2048), without the clean: __clean_dcache_guest_page returns at once
// when the CPU has ARM64_HAS_STAGE2_FWB.
#include "kvm_cache_geometry.h"
#include "on_demand_stage2.h"
#include "policy_factories.h"

namespace vcm::hyp::policy {
namespace {

class KvmFwbPolicy final : public CachePolicy {
public:
    KvmFwbPolicy(Machine& machine, FlushCosts costs, bool trapSetWay, std::uint64_t blockPages)
        : CachePolicy(machine, costs), m_trap(trapSetWay), m_stage2(blockPages)
    {
    }
    const char* name() const override { return "kvm-fwb"; }
    void onVmCreated(std::size_t vmIndex) override
    {
        CachePolicy::onVmCreated(vmIndex);
        m_stage2.start(m_machine, m_vm);
    }
    bool onStage2Fault(cpu::Vcpu&, std::uint64_t ipa) override
    {
        return m_stage2.onFault(m_machine, m_vm, ipa, [](const FaultedBlock&) {});
    }
    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) {
            hcr.fwb = true;
            hcr.tsw = m_trap;
            hcr.tvm = false;
            hcr.tid2 = true;
        });
    }
    void onSetWay(cpu::Vcpu&, memory::SetWayOp, std::uint64_t) override {}
    std::uint64_t onCacheIdRegister(cpu::Vcpu& vcpu, cpu::SystemRegister reg,
                                    std::optional<std::uint64_t> written) override
    {
        return kvmCacheIdRegisterAccess(vcpu, reg, written);
    }

private:
    bool m_trap;
    OnDemandStage2 m_stage2;
};

} // namespace

std::unique_ptr<CachePolicy> createKvmFwbPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs)
{
    const bool trapSetWay = knobs.boolean("trap_setway", true);
    const std::uint64_t blockPages = onDemandBlockPages("kvm-fwb", knobs);
    return std::make_unique<KvmFwbPolicy>(machine, costs, trapSetWay, blockPages);
}

} // namespace vcm::hyp::policy

// kvm-fwb: KVM with FEAT_S2FWB (v4.19 "Add support for Stage-2 control of memory types and cacheability",
// 2019 "Don't set HCR_EL2.TVM when S2FWB is supported"). Stage 2 forces Normal write-back, so every guest
// access to RAM is cacheable and coherent: no flush is ever needed and TVM is never set.
// KVM still sets TSW and its handler does nothing ("Handle Set/Way CMOs as NOPs if FWB is present"); by
// default this model does not trap them at all (knob trap_setway=true traps them to a no-op, as KVM does):
// with FWB the local set/way maintenance is harmless either way.
#include "policy_factories.h"

namespace vcm::hyp::policy {
namespace {

class KvmFwbPolicy final : public CachePolicy {
public:
    KvmFwbPolicy(Machine& machine, FlushCosts costs, bool trapSetWay) : CachePolicy(machine, costs), m_trap(trapSetWay)
    {
    }
    const char* name() const override { return "kvm-fwb"; }
    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.fwb = true; hcr.tsw = m_trap; hcr.tvm = false; });
    }
    void onSetWay(cpu::Vcpu&, memory::SetWayOp, std::uint64_t) override {}

private:
    bool m_trap;
};

} // namespace

std::unique_ptr<CachePolicy> createKvmFwbPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs)
{
    return std::make_unique<KvmFwbPolicy>(machine, costs, knobs.boolean("trap_setway", false));
}

} // namespace vcm::hyp::policy

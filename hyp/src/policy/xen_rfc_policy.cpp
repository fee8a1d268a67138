// xen-rfc: the Set/Way emulation RFC as posted (seed 004, "[RFC 15/16] xen/arm: Implement Set/Way
// operations", 2018-10): TSW trapped; the trap handler flushes the whole p2m with no preemption
// ("XXX: Handle preemption") and arms TVM; TVM-trapped writes call p2m_toggle_cache (flush on any caches
// on/off transition, stop trapping once caches are on).
//
// The arm64 handler as posted tested `if ( hsr.sysreg.read )` before calling p2m_set_way_flush; review
// asked "Shouldn't it be !hsr.sysreg.read ?". DC ISW/CSW/CISW are writes, so as posted a trapped set/way
// operation does nothing at all: not even the local maintenance the guest asked for. Knob
// fix_read_check=true applies the review's fix.
#include "policy_factories.h"

namespace vcm::hyp::policy {
namespace {

class XenRfcPolicy final : public CachePolicy {
public:
    XenRfcPolicy(Machine& machine, FlushCosts costs, bool fixReadCheck)
        : CachePolicy(machine, costs), m_fixReadCheck(fixReadCheck)
    {
    }
    const char* name() const override { return "xen-rfc"; }

    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tsw = true; hcr.tvm = false; });
    }

    void onSetWay(cpu::Vcpu& vcpu, memory::SetWayOp, std::uint64_t) override
    {
        const bool isRead = false; // DC xSW is a write to the system-instruction space
        const bool callsFlush = m_fixReadCheck ? !isRead : isRead;
        if (!callsFlush)
            return;
        if (!vcpu.hcr().tvm) {
            flushNow(vcpu, FlushReason::SetWay, vm::WalkFilter::AllMapped);
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = true; });
        }
    }

    void onVmRegisterWrite(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::uint64_t, std::uint64_t newValue) override
    {
        const bool wasEnabled = vcpu.cachesOn();
        vcpu.writeRegister(reg, newValue);
        const bool nowEnabled = vcpu.cachesOn();
        if (wasEnabled != nowEnabled)
            flushNow(vcpu, nowEnabled ? FlushReason::CachesOn : FlushReason::CachesOff, vm::WalkFilter::AllMapped);
        if (nowEnabled)
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = false; });
    }

private:
    bool m_fixReadCheck;
};

} // namespace

std::unique_ptr<CachePolicy> createXenRfcPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs)
{
    return std::make_unique<XenRfcPolicy>(machine, costs, knobs.boolean("fix_read_check", false));
}

} // namespace vcm::hyp::policy

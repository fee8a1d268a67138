// dc-bit: HCR_EL2.DC while the guest's MMU is off (the first approach listed in seed 002): data accesses
// with stage 1 off become Normal write-back instead of Device, so a caches-off guest stays coherent with
// the caches. TVM traps SCTLR_EL1 so DC can be dropped when the guest turns its MMU on. Its known costs:
// it "breaks guests assuming caches off while doing DMA operations" and I-D coherency, and once the MMU is
// on nothing is trapped any more (a later MMU-off runs with Device accesses again).
#include "policy_factories.h"

#include "vcm/hyp/cpu/translation.h"

namespace vcm::hyp::policy {
namespace {

class DcBitPolicy final : public CachePolicy {
public:
    using CachePolicy::CachePolicy;
    const char* name() const override { return "dc-bit"; }
    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.dc = true; hcr.tvm = true; hcr.tsw = false; });
    }
    void onVmRegisterWrite(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::uint64_t, std::uint64_t newValue) override
    {
        vcpu.writeRegister(reg, newValue);
        if (reg == cpu::SystemRegister::SctlrEl1 && (newValue & cpu::sctlr::kM) != 0) {
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.dc = false; hcr.tvm = false; });
        }
    }
};

} // namespace

std::unique_ptr<CachePolicy> createDcBitPolicy(Machine& machine, KnobReader&, FlushCosts costs)
{
    return std::make_unique<DcBitPolicy>(machine, costs);
}

} // namespace vcm::hyp::policy

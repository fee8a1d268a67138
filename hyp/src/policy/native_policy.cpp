// native: nothing trapped. Set/way operations act on the caches of whichever core the vCPU is on, as on
// Xen before f253e88bec (2018) and on bare metal.
#include "policy_factories.h"

namespace vcm::hyp::policy {
namespace {

class NativePolicy final : public CachePolicy {
public:
    using CachePolicy::CachePolicy;
    const char* name() const override { return "native"; }
    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tsw = false; hcr.tvm = false; });
    }
};

} // namespace

std::unique_ptr<CachePolicy> createNativePolicy(Machine& machine, KnobReader&, FlushCosts costs)
{
    return std::make_unique<NativePolicy>(machine, costs);
}

} // namespace vcm::hyp::policy

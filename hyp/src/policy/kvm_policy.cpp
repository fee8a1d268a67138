// kvm: KVM/arm64 without FEAT_S2FWB as Linux 6.12 has it (policies.md section 2); kvm-6.1: as 6.1 has it.
//  - kvm (6.3 and later, 7af0c2534f4c): HCR_EL2.TID2 traps the cache ID registers and the guest is shown one set of
//    one way per level (kvm_cache_geometry.h), so a set/way loop makes one trap per level; kvm-6.1 shows the
//    machine's own geometry, and every DC CISW of a loop traps. Both flush the same way.
//  - HCR_EL2.TSW always, TVM set at vCPU reset "until M+C set in SCTLR_EL1" (HCR_GUEST_FLAGS / vcpu_reset_hcr).
//  - kvm_set_way_flush: the first set/way trap with TVM clear runs stage2_flush_vm over every mapped page of
//    the VM (no access tracking) and sets TVM.
//  - access_vm_reg -> kvm_toggle_cache: flush on a change of (M && C); clear TVM once caches are on.
//  - stage2_flush_vm runs in the trap handler; stage2_apply_range_resched reschedules between 1 GiB chunks
//    (cond_resched_rwlock_write). Modelled as EL2 work the vCPU finishes before returning to its guest, with
//    a preemption point per chunk (knob resched_chunk_mib, default 1024).
//  - Knob disarm_tvm (default true) = false is fault injection, not history: a hypervisor that leaves TVM
//    armed once the caches are on, so every later VM-register write traps (what the analyzer's
//    tvm_trap_after_caches_on finding exists to catch).
#include "kvm_cache_geometry.h"
#include "policy_factories.h"

namespace vcm::hyp::policy {
namespace {

class KvmPolicy final : public CachePolicy {
public:
    KvmPolicy(Machine& machine, FlushCosts costs, PreemptionRule rule, bool disarmTvm, bool fakeCacheGeometry)
        : CachePolicy(machine, costs), m_rule(rule), m_disarmTvm(disarmTvm), m_fakeCacheGeometry(fakeCacheGeometry)
    {
    }
    const char* name() const override { return m_fakeCacheGeometry ? "kvm" : "kvm-6.1"; }

    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) {
            hcr.tsw = true;
            hcr.tvm = true;
            hcr.tid2 = m_fakeCacheGeometry;
        });
    }

    std::uint64_t onCacheIdRegister(cpu::Vcpu& vcpu, cpu::SystemRegister reg,
                                    std::optional<std::uint64_t> written) override
    {
        return kvmCacheIdRegisterAccess(vcpu, reg, written);
    }

    void onSetWay(cpu::Vcpu& vcpu, memory::SetWayOp, std::uint64_t) override
    {
        if (!vcpu.hcr().tvm) {
            requestFlush(vcpu, FlushReason::SetWay, vm::WalkFilter::AllMapped, m_rule);
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = true; });
        }
    }

    void onVmRegisterWrite(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::uint64_t, std::uint64_t newValue) override
    {
        const bool wasEnabled = vcpu.cachesOn();
        vcpu.writeRegister(reg, newValue);
        const bool nowEnabled = vcpu.cachesOn();
        if (wasEnabled != nowEnabled)
            requestFlush(vcpu, nowEnabled ? FlushReason::CachesOn : FlushReason::CachesOff, vm::WalkFilter::AllMapped,
                         m_rule);
        if (nowEnabled && m_disarmTvm)
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = false; });
    }

private:
    PreemptionRule m_rule;
    bool m_disarmTvm;
    bool m_fakeCacheGeometry;
};

} // namespace

namespace {

std::unique_ptr<CachePolicy> createKvm(Machine& machine, KnobReader& knobs, FlushCosts costs, bool fakeCacheGeometry)
{
    PreemptionRule rule;
    rule.kind = PreemptionRule::Kind::ReschedPerChunk;
    const std::uint64_t chunkMiB = knobs.unsignedInteger("resched_chunk_mib", 1024);
    if (chunkMiB == 0)
        throw PolicyError("policy kvm: resched_chunk_mib must be at least 1");
    rule.chunkPages = chunkMiB << 8; // 256 pages of 4 KiB per MiB
    const bool disarmTvm = knobs.boolean("disarm_tvm", true);
    return std::make_unique<KvmPolicy>(machine, costs, rule, disarmTvm, fakeCacheGeometry);
}

} // namespace

std::unique_ptr<CachePolicy> createKvmPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs)
{
    return createKvm(machine, knobs, costs, true);
}

std::unique_ptr<CachePolicy> createKvm61Policy(Machine& machine, KnobReader& knobs, FlushCosts costs)
{
    return createKvm(machine, knobs, costs, false);
}

} // namespace vcm::hyp::policy

// kvm: KVM/arm64 without FEAT_S2FWB as Linux 6.12 has it (policies.md section 2); kvm-6.1: as 6.1 has it.
//  - kvm (6.3 and later, 7af0c2534f4c): HCR_EL2.TID2 traps the cache ID registers and the guest is shown one set of
//    one way per level (kvm_cache_geometry.h), so a set/way loop makes one trap per level; kvm-6.1 shows the
//    machine's own geometry, and every DC CISW of a loop traps. Both flush the same way.
//  - Stage 2 is mapped on demand (user_mem_abort): the first access to a block of RAM faults, and the block is
//    cleaned and invalidated to the PoC before its descriptor is written (stage2_map_walker_try_leaf calls
//    mm_ops->dcache_clean_inval_poc = clean_dcache_guest_page for a cacheable mapping), whatever the guest's
//    caches are doing: what a VMM wrote through its own cacheable mapping is in RAM before the guest can see it.
//    Knob stage2_block_kib: the mapping size, 2048 for kvm (the 6.12 reference traces fault in 2 MiB THP
//    blocks: one fault for a whole test guest) and 4 for kvm-6.1 (4 KiB pages in the 6.1 traces).
//  - HCR_EL2.TSW always, TVM set at vCPU reset "until M+C set in SCTLR_EL1" (HCR_GUEST_FLAGS / vcpu_reset_hcr).
//  - kvm_set_way_flush: the first set/way trap with TVM clear runs stage2_flush_vm over every page faulted in
//    so far (the walk skips what is not mapped: stage2_flush_walker flushes only cacheable, valid leaves) and
//    sets TVM.
//  - access_vm_reg -> kvm_toggle_cache: flush on a change of (M && C); clear TVM once caches are on.
//  - stage2_flush_vm runs in the trap handler; stage2_apply_range_resched reschedules between 1 GiB chunks
//    (cond_resched_rwlock_write). Modelled as EL2 work the vCPU finishes before returning to its guest, with
//    a preemption point per chunk (knob resched_chunk_mib, default 1024).
//  - Knob disarm_tvm (default true) = false is fault injection, not history: a hypervisor that leaves TVM
//    armed once the caches are on, so every later VM-register write traps (what the analyzer's
//    tvm_trap_after_caches_on finding exists to catch).
#include "kvm_cache_geometry.h"
#include "on_demand_stage2.h"
#include "policy_factories.h"

namespace vcm::hyp::policy {
namespace {

class KvmPolicy final : public CachePolicy {
public:
    KvmPolicy(Machine& machine, FlushCosts costs, PreemptionRule rule, bool disarmTvm, bool fakeCacheGeometry,
              std::uint64_t blockPages)
        : CachePolicy(machine, costs), m_rule(rule), m_disarmTvm(disarmTvm), m_fakeCacheGeometry(fakeCacheGeometry),
          m_stage2(blockPages)
    {
    }
    const char* name() const override { return m_fakeCacheGeometry ? "kvm" : "kvm-6.1"; }

    void onVmCreated(std::size_t vmIndex) override
    {
        CachePolicy::onVmCreated(vmIndex);
        m_stage2.start(m_machine, m_vm);
    }

    bool onStage2Fault(cpu::Vcpu& vcpu, std::uint64_t ipa) override
    {
        return m_stage2.onFault(m_machine, m_vm, ipa, [&](const FaultedBlock& block) {
            OnDemandStage2::cleanToPoC(m_machine, vcpu.core(), block);
        });
    }

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
            requestFlush(vcpu, FlushReason::SetWay, vm::WalkFilter::ValidOnly, m_rule);
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = true; });
        }
    }

    void onVmRegisterWrite(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::uint64_t, std::uint64_t newValue) override
    {
        const bool wasEnabled = vcpu.cachesOn();
        vcpu.writeRegister(reg, newValue);
        const bool nowEnabled = vcpu.cachesOn();
        if (wasEnabled != nowEnabled)
            requestFlush(vcpu, nowEnabled ? FlushReason::CachesOn : FlushReason::CachesOff, vm::WalkFilter::ValidOnly,
                         m_rule);
        if (nowEnabled && m_disarmTvm)
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = false; });
    }

private:
    PreemptionRule m_rule;
    bool m_disarmTvm;
    bool m_fakeCacheGeometry;
    OnDemandStage2 m_stage2;
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
    const std::uint64_t blockPages = onDemandBlockPages(fakeCacheGeometry ? "kvm" : "kvm-6.1", knobs);
    return std::make_unique<KvmPolicy>(machine, costs, rule, disarmTvm, fakeCacheGeometry, blockPages);
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

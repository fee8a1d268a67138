// xen: the merged Set/Way emulation (f253e88bec, 221c2fc433, 2148a125b7; policies.md section 1).
//  - HCR_EL2.TSW always; TVM clear at vCPU start.
//  - p2m_set_way_flush: the first trapped set/way operation of a batch (TVM clear) sets need_flush_to_ram
//    and arms TVM; later ones in the batch do nothing (but still trap). The operation itself is not done.
//  - TVM-trapped writes: p2m_toggle_cache — need_flush_to_ram on any change of (M && C); clear TVM whenever
//    the caches are on after the write, transition or not.
//  - The flush runs on return to the guest (check_for_vcpu_work -> p2m_flush_vm) and is preemptible: work
//    counter +10 per page, +1 per skipped region, check softirq_pending() when it reaches 512, resume at the
//    first gfn not yet flushed, with softirqs (ticks, other vCPUs) run in between.
//  - Access tracking: p2m_invalidate_root() when the domain is created and after every flush clears the
//    stage-2 valid bits; a guest access faults and p2m_resolve_translation_fault sets the bit again; the
//    flush skips entries that are not valid. Knob access_tracking=false flushes every mapped page.
//  - When the p2m is shared with the IOMMU (iommu_use_hap_pt), p2m_set_way_flush cannot invalidate the p2m for
//    access tracking and refuses set/way instead: it logs "The cache should be flushed by VA rather than by
//    set/way" and injects UNDEF (2b45ff6030). Knob iommu_shared_p2m=true.
//  - flush_page_to_ram() cleans and invalidates each page. Knob flush_clean_only=true re-creates 9617d5f9c1,
//    which made it clean-only until a33ad60cc3 reverted it ("Some callers... expect the memory to be
//    invalidated... unblock OssTest"): a stale line survives the caches-on flush and shadows RAM.
//    Knob flush_range_end_wraps=true re-creates XSA-437 (arm32 Xen before 9a216e92de): the frame that the
//    domheap mapcache maps at 0xFFFFF000 is not maintained at all (flush_page_to_ram.h).
//  - p2m_invalidate_root() invalidates every concatenated root page of the p2m (p2m_ipa_bits picks how many
//    and at which level). Knob root_invalidation_by_level=true re-creates its loop before 14c57887f3, bounded
//    by P2M_ROOT_LEVEL: part or all of the IPA space is never invalidated, so accesses there are never
//    tracked and every flush flushes it whole (xen_p2m_root.h).
#include "policy_factories.h"
#include "vcm/hyp/policy/xen_p2m_root.h"

#include "vcm/hyp/machine.h"

#include <fmt/core.h>

#include <algorithm>

namespace vcm::hyp::policy {
namespace {

class XenPolicy final : public CachePolicy {
public:
    struct Options {
        PreemptionRule rule;
        bool accessTracking = true;
        bool iommuSharedP2m = false;
        XenP2mRoot root;
        bool rootInvalidationByLevel = false;
        FlushPageToRam pageFlush;
    };

    XenPolicy(Machine& machine, FlushCosts costs, const Options& options)
        : CachePolicy(machine, costs), m_options(options)
    {
        m_flushPageToRam = options.pageFlush;
    }
    const char* name() const override { return "xen"; }

    void onVmCreated(std::size_t vmIndex) override
    {
        CachePolicy::onVmCreated(vmIndex);
        const VmSpec& spec = m_machine.vmSpec(m_vm);
        if (spec.ramIpa + spec.ramBytes > m_options.root.ipaEnd())
            throw PolicyError(fmt::format("policy xen: VM {}'s RAM ends at IPA {:#x}, beyond the {}-bit IPA space of "
                                          "knob p2m_ipa_bits",
                                          spec.name, spec.ramIpa + spec.ramBytes, m_options.root.ipaBits));
        invalidateRoot(); // p2m_domain_creation_finished()
    }

    void onVcpuReset(cpu::Vcpu& vcpu) override
    {
        vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tsw = true; hcr.tvm = false; });
    }

    void onSetWay(cpu::Vcpu& vcpu, memory::SetWayOp, std::uint64_t) override
    {
        if (m_options.iommuSharedP2m) {
            vcpu.refuseTrappedInstruction();
            return;
        }
        if (!vcpu.hcr().tvm) {
            requestFlush(vcpu, FlushReason::SetWay, filter(), m_options.rule);
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = true; });
        }
    }

    void onVmRegisterWrite(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::uint64_t, std::uint64_t newValue) override
    {
        const bool wasEnabled = vcpu.cachesOn();
        vcpu.writeRegister(reg, newValue);
        const bool nowEnabled = vcpu.cachesOn();
        if (wasEnabled != nowEnabled)
            requestFlush(vcpu, nowEnabled ? FlushReason::CachesOn : FlushReason::CachesOff, filter(),
                         m_options.rule);
        if (nowEnabled)
            vcpu.updateHcr([&](cpu::HcrEl2& hcr) { hcr.tvm = false; });
    }

    bool onStage2Fault(cpu::Vcpu&, std::uint64_t ipa) override
    {
        // p2m_resolve_translation_fault: a mapped entry whose valid bit was cleared becomes valid again.
        vm::Stage2Table& stage2 = m_machine.stage2(m_vm);
        const auto leaf = stage2.lookup(ipa >> 12);
        if (!leaf || leaf->valid)
            return false;
        stage2.setValid(leaf->gfn, leaf->pages, true);
        return true;
    }

protected:
    void onFlushFinished(cpu::Vcpu&) override { invalidateRoot(); }

private:
    vm::WalkFilter filter() const
    {
        return m_options.accessTracking ? vm::WalkFilter::ValidOnly : vm::WalkFilter::AllMapped;
    }

    // p2m_invalidate_root(): the entries of the root pages its loop reaches lose their valid bit. The model
    // clears the leaves' bits directly (policies.md: exact tracking at leaf granularity), for the RAM under
    // those root pages.
    void invalidateRoot()
    {
        if (!m_options.accessTracking)
            return;
        const VmSpec& spec = m_machine.vmSpec(m_vm);
        const std::uint64_t end =
            std::min(spec.ramIpa + spec.ramBytes, m_options.root.invalidatedEnd(m_options.rootInvalidationByLevel));
        if (end > spec.ramIpa)
            m_machine.stage2(m_vm).setValid(spec.ramIpa >> 12, (end - spec.ramIpa) >> 12, false);
    }

    Options m_options;
};

} // namespace

std::unique_ptr<CachePolicy> createXenPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs)
{
    PreemptionRule rule;
    rule.kind = PreemptionRule::Kind::XenWorkCounter;
    rule.threshold = static_cast<std::uint32_t>(knobs.unsignedInteger("preempt_threshold", 512));
    rule.pageWeight = static_cast<std::uint32_t>(knobs.unsignedInteger("page_weight", 10));
    rule.skipWeight = static_cast<std::uint32_t>(knobs.unsignedInteger("skip_weight", 1));
    if (rule.threshold == 0 || rule.pageWeight == 0)
        throw PolicyError("policy xen: preempt_threshold and page_weight must be at least 1");
    XenPolicy::Options options;
    options.rule = rule;
    // A shared p2m cannot have its valid bits cleared (the IOMMU would fault): no access tracking either.
    options.iommuSharedP2m = knobs.boolean("iommu_shared_p2m", false);
    options.accessTracking = knobs.boolean("access_tracking", true) && !options.iommuSharedP2m;
    options.root = XenP2mRoot::forIpaBits(knobs.unsignedInteger("p2m_ipa_bits", 40));
    options.rootInvalidationByLevel = knobs.boolean("root_invalidation_by_level", false);
    if (knobs.boolean("flush_clean_only", false))
        options.pageFlush.operation = memory::ByAddressOp::CleanToPoC;
    options.pageFlush.arm32RangeEndWraps = knobs.boolean("flush_range_end_wraps", false);
    return std::make_unique<XenPolicy>(machine, costs, options);
}

} // namespace vcm::hyp::policy

#include "on_demand_stage2.h"

#include "vcm/hyp/policy/cache_policy.h"

#include <fmt/format.h>

namespace vcm::hyp::policy {

OnDemandStage2::OnDemandStage2(std::uint64_t blockPages) : m_blockPages(blockPages) {}

void OnDemandStage2::start(Machine& machine, std::size_t vm) const
{
    const VmSpec& spec = machine.vmSpec(vm);
    if (!spec.ramInUse)
        machine.stage2(vm).setValid(spec.ramIpa >> 12, spec.ramBytes >> 12, false);
}

bool OnDemandStage2::onFault(Machine& machine, std::size_t vm, std::uint64_t ipa,
                             const std::function<void(const FaultedBlock&)>& beforeMap) const
{
    vm::Stage2Table& stage2 = machine.stage2(vm);
    const vm::Gfn gfn = ipa >> 12;
    const auto leaf = stage2.lookup(gfn);
    if (!leaf || leaf->valid || leaf->type != vm::Stage2Type::Ram)
        return false;
    FaultedBlock block{gfn, leaf->mfn + (gfn - leaf->gfn), 1};
    // A block mapping needs the whole aligned block inside the memslot and the IPA and the machine address
    // equally aligned (fault_supports_stage2_huge_mapping); otherwise user_mem_abort falls back to a page.
    const VmSpec& spec = machine.vmSpec(vm);
    const vm::Gfn ramFirst = spec.ramIpa >> 12;
    const vm::Gfn ramEnd = ramFirst + (spec.ramBytes >> 12);
    const vm::Gfn blockFirst = gfn & ~(m_blockPages - 1);
    const vm::Mfn blockMfn = block.mfn - (gfn - blockFirst);
    if (m_blockPages > 1 && blockFirst >= ramFirst && blockFirst + m_blockPages <= ramEnd &&
        blockMfn % m_blockPages == 0)
        block = {blockFirst, blockMfn, m_blockPages};
    beforeMap(block);
    stage2.setValid(block.gfn, block.pages, true);
    return true;
}

std::uint64_t stage2BlockPages(std::string_view policy, std::uint64_t kib)
{
    if (kib != 4 && kib != 2048 && kib != 1024 * 1024)
        throw PolicyError(fmt::format("policy {}: stage2_block_kib must be 4, 2048 or 1048576 (a page, a 2 MiB or a "
                                      "1 GiB block), not {}",
                                      policy, kib));
    return kib / 4;
}

} // namespace vcm::hyp::policy

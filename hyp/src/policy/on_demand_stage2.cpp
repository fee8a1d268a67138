#include "on_demand_stage2.h"

#include "vcm/hyp/policy/cache_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>

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

void OnDemandStage2::cleanToPoC(Machine& machine, memory::CoreId core, const FaultedBlock& block)
{
    machine.memory().maintainRange(machine.hypervisorAgent(core), memory::ByAddressOp::CleanInvalidateToPoC,
                                   block.mfn << 12, block.pages << 12);
}

namespace {

// What each policy that maps on demand uses when its knob is not set, from the reference traces
// (docs/kvm-reference.md): 6.12 faults in 2 MiB THP blocks, 6.1 in 4 KiB pages.
struct BlockDefault {
    std::string_view policy;
    std::uint64_t kib;
};
constexpr BlockDefault kBlockDefaults[] = {{"kvm", 2048}, {"kvm-6.1", 4}, {"kvm-fwb", 2048}, {"fault-flush", 4}};

const BlockDefault* blockDefault(std::string_view policy)
{
    const auto known = std::find_if(std::begin(kBlockDefaults), std::end(kBlockDefaults),
                                    [&](const BlockDefault& d) { return d.policy == policy; });
    return known == std::end(kBlockDefaults) ? nullptr : known;
}

} // namespace

std::uint64_t onDemandBlockPages(std::string_view policy, KnobReader& knobs)
{
    const BlockDefault* known = blockDefault(policy);
    if (known == nullptr)
        throw std::logic_error(fmt::format("policy {} does not map stage 2 on demand", policy));
    const std::uint64_t kib = knobs.unsignedInteger("stage2_block_kib", known->kib);
    if (kib != 4 && kib != 2048 && kib != 1024 * 1024)
        throw PolicyError(fmt::format("policy {}: stage2_block_kib must be 4, 2048 or 1048576 (a page, a 2 MiB or a "
                                      "1 GiB block), not {}",
                                      policy, kib));
    return kib / 4;
}

std::optional<std::uint64_t> onDemandStage2BlockBytes(std::string_view policy, const PolicyKnobs& knobs)
{
    if (blockDefault(policy) == nullptr)
        return std::nullopt;
    KnobReader reader(policy, knobs);
    return onDemandBlockPages(policy, reader) << 12;
}

} // namespace vcm::hyp::policy

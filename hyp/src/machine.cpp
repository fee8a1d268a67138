// The machine: VMs over the memory system, and the deterministic slice scheduler.
#include "vcm/hyp/machine.h"

#include <fmt/core.h>

#include <algorithm>
#include <deque>

namespace vcm::hyp {
namespace {

// A VM's guest-physical space through its stage-2 table.
class VmSpace final : public cpu::GuestPhysicalSpace {
public:
    explicit VmSpace(const vm::Stage2Table& table) : m_table(table) {}
    std::optional<cpu::Stage2Translation> translate(std::uint64_t ipa) const override
    {
        const vm::Gfn gfn = ipa >> 12;
        const auto mfn = m_table.translate(gfn);
        if (!mfn)
            return std::nullopt;
        const auto entry = m_table.lookup(gfn);
        const auto kind = entry && entry->type == vm::Stage2Type::Mmio ? cpu::Stage2MemoryKind::Mmio
                                                                       : cpu::Stage2MemoryKind::Ram;
        return cpu::Stage2Translation{(*mfn << 12) | (ipa & 0xfff), kind};
    }

private:
    const vm::Stage2Table& m_table;
};

struct VirtualMachine {
    VmSpec spec;
    vm::Stage2Table stage2;
    std::unique_ptr<VmSpace> space;
    std::vector<std::unique_ptr<cpu::Vcpu>> vcpus;
};

} // namespace

class Machine::Impl {
public:
    explicit Impl(const MachineConfig& config) : m_config(config), m_memory(config.topology, config.costs)
    {
        for (memory::CoreId core = 0; core < config.topology.cores(); ++core)
            m_hypervisorAgents.push_back(
                m_memory.addAgent({memory::AgentKind::Hypervisor, fmt::format("hyp@core{}", core), core}));
        m_loader = m_memory.addAgent({memory::AgentKind::Hypervisor, "domain-builder", std::nullopt});
    }

    MachineConfig m_config;
    memory::MemorySystem m_memory;
    std::vector<memory::AgentId> m_hypervisorAgents;
    memory::AgentId m_loader = 0;
    std::vector<std::unique_ptr<VirtualMachine>> m_vms;
};

Machine::Machine(const MachineConfig& config) : m_impl(std::make_unique<Impl>(config)) {}

Machine::~Machine() = default;

memory::MemorySystem& Machine::memory()
{
    return m_impl->m_memory;
}

memory::AgentId Machine::hypervisorAgent(memory::CoreId core) const
{
    return m_impl->m_hypervisorAgents.at(core);
}

std::size_t Machine::createVm(const VmSpec& spec, cpu::TrapHandler& traps)
{
    Impl& impl = *m_impl;
    if (spec.vcpuCores.empty())
        throw std::invalid_argument(fmt::format("VM {}: needs at least one vCPU", spec.name));
    auto machineVm = std::make_unique<VirtualMachine>();
    machineVm->spec = spec;
    machineVm->stage2.map(spec.ramIpa >> 12, spec.machineBase >> 12, spec.ramBytes >> 12, vm::Stage2Type::Ram);
    machineVm->space = std::make_unique<VmSpace>(machineVm->stage2);
    const auto vmId = static_cast<std::uint32_t>(impl.m_vms.size());
    for (std::size_t i = 0; i < spec.vcpuCores.size(); ++i) {
        const memory::CoreId core = spec.vcpuCores[i];
        if (core >= impl.m_config.topology.cores())
            throw std::out_of_range(fmt::format("VM {}: vCPU {} placed on core {}, but the machine has {} cores",
                                                spec.name, i, core, impl.m_config.topology.cores()));
        cpu::VcpuConfig vcpuConfig;
        vcpuConfig.name = fmt::format("{}v{}", spec.name, i);
        vcpuConfig.vmId = vmId;
        vcpuConfig.index = static_cast<std::uint32_t>(i);
        vcpuConfig.ramIpa = spec.ramIpa;
        vcpuConfig.ramBytes = spec.ramBytes;
        vcpuConfig.entry = spec.ramIpa;
        const memory::AgentId agent = impl.m_memory.addAgent({memory::AgentKind::Vcpu, vcpuConfig.name, core});
        machineVm->vcpus.push_back(std::make_unique<cpu::Vcpu>(vcpuConfig, impl.m_memory, agent,
                                                               impl.m_hypervisorAgents, *machineVm->space, traps));
    }
    impl.m_vms.push_back(std::move(machineVm));
    return impl.m_vms.size() - 1;
}

vm::Stage2Table& Machine::stage2(std::size_t vmIndex)
{
    return m_impl->m_vms.at(vmIndex)->stage2;
}

cpu::Vcpu& Machine::vcpu(std::size_t vmIndex, std::size_t vcpuIndex)
{
    return *m_impl->m_vms.at(vmIndex)->vcpus.at(vcpuIndex);
}

void Machine::loadImage(std::size_t vmIndex, std::uint64_t ipa, std::span<const std::uint8_t> bytes)
{
    Impl& impl = *m_impl;
    VirtualMachine& target = *impl.m_vms.at(vmIndex);
    if (ipa < target.spec.ramIpa || ipa + bytes.size() > target.spec.ramIpa + target.spec.ramBytes)
        throw std::out_of_range(fmt::format("VM {}: image of {} bytes at IPA {:#x} does not fit its RAM",
                                            target.spec.name, bytes.size(), ipa));
    for (std::size_t done = 0; done < bytes.size();) {
        const std::uint64_t at = ipa + done;
        const std::size_t length = std::min<std::size_t>(0x1000 - (at & 0xfff), bytes.size() - done);
        const auto where = target.space->translate(at);
        impl.m_memory.write(impl.m_loader, where->address, bytes.subspan(done, length),
                            memory::MemoryType::NormalNonCacheable);
        done += length;
    }
    for (auto& v : target.vcpus)
        v->refreshInstructions(ipa, bytes.size());
}

MachineRun Machine::run(std::uint64_t instructionBudget)
{
    Impl& impl = *m_impl;
    const std::uint32_t cores = impl.m_config.topology.cores();
    std::vector<std::deque<cpu::Vcpu*>> queues(cores);
    std::vector<std::uint64_t> executed;
    std::vector<cpu::Vcpu*> all;
    for (auto& machineVm : impl.m_vms)
        for (auto& v : machineVm->vcpus) {
            queues[v->core()].push_back(v.get());
            all.push_back(v.get());
        }
    executed.assign(all.size(), 0);
    auto indexOf = [&](cpu::Vcpu* v) { return static_cast<std::size_t>(std::find(all.begin(), all.end(), v) - all.begin()); };

    MachineRun result;
    while (result.instructions < instructionBudget) {
        // The core furthest behind in virtual time that has work.
        std::optional<memory::CoreId> next;
        for (memory::CoreId core = 0; core < cores; ++core)
            if (!queues[core].empty() &&
                (!next || impl.m_memory.coreTime(core) < impl.m_memory.coreTime(*next)))
                next = core;
        if (!next)
            break;
        cpu::Vcpu* v = queues[*next].front();
        queues[*next].pop_front();
        v->setCore(*next);
        const std::uint64_t slice = std::min(impl.m_config.sliceInstructions, instructionBudget - result.instructions);
        const cpu::VcpuRun ran = v->run(slice);
        result.instructions += ran.instructions;
        executed[indexOf(v)] += ran.instructions;
        if (ran.stop == cpu::VcpuStop::BudgetUsed || ran.stop == cpu::VcpuStop::Yielded)
            queues[*next].push_back(v);
    }
    result.allExited = std::all_of(all.begin(), all.end(), [](cpu::Vcpu* v) { return v->exited(); });
    for (std::size_t i = 0; i < all.size(); ++i) {
        cpu::Vcpu* v = all[i];
        result.vcpus.push_back({v->config().name, v->exited(), v->exitCode(), v->faultDescription(), v->console(),
                                executed[i], v->trapCount(), v->memoryAccesses()});
    }
    return result;
}

} // namespace vcm::hyp

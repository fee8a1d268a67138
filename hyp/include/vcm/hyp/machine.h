// The emulated machine: the memory system, the VMs with their stage 2 and vCPUs, the hypervisor agents
// of every physical core, and a deterministic scheduler that runs the vCPUs in time slices.
//
// Scheduling: each vCPU has a home core; the scheduler always advances the physical core whose clock is
// furthest behind (ties go to the lowest core number), running the next runnable vCPU of its queue for one
// slice. A vCPU that yields, exits or faults gives the core up early. Same inputs, same execution.
#pragma once

#include "vcm/hyp/cpu/vcpu.h"
#include "vcm/hyp/memory/memory_system.h"
#include "vcm/hyp/vm/stage2_table.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace vcm::hyp {

struct MachineConfig {
    memory::MachineTopology topology;
    memory::CostModel costs;
    std::uint64_t sliceInstructions = 20'000;
};

struct VmSpec {
    std::string name;
    std::uint64_t ramIpa = 0x4000'0000;
    std::uint64_t ramBytes = 16u << 20;
    memory::PhysAddr machineBase = 0x8000'0000; // where its RAM lives in the machine
    std::vector<memory::CoreId> vcpuCores{0};   // one vCPU per entry, placed on that core
};

struct VcpuSummary {
    std::string name;
    bool exited = false;
    std::uint64_t exitCode = 0;
    std::string fault;
    std::string console;
    std::uint64_t instructions = 0;
    std::uint64_t traps = 0;
    std::uint64_t memoryAccesses = 0;
};

struct MachineRun {
    bool allExited = false;         // every vCPU exited (rather than faulted or ran out of budget)
    std::uint64_t instructions = 0; // over all vCPUs
    std::vector<VcpuSummary> vcpus;
};

class Machine {
public:
    explicit Machine(const MachineConfig& config);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    memory::MemorySystem& memory();
    // The EL2 agent of a physical core (its cacheable map of all RAM).
    memory::AgentId hypervisorAgent(memory::CoreId core) const;

    // Creates a VM whose RAM [ramIpa, ramIpa + ramBytes) is mapped by stage 2 onto machine RAM at
    // machineBase, and its vCPUs (entry point: ramIpa). Returns the VM index.
    std::size_t createVm(const VmSpec& spec, cpu::TrapHandler& traps);
    vm::Stage2Table& stage2(std::size_t vmIndex);
    cpu::Vcpu& vcpu(std::size_t vmIndex, std::size_t vcpuIndex);

    // Writes an image into a VM's RAM directly at the PoC, as a hypervisor-side domain builder that does
    // its maintenance right (seed 000: "the dom0 build in the hypervisor ... already does the right thing"),
    // and makes it the vCPUs' instruction memory.
    void loadImage(std::size_t vmIndex, std::uint64_t ipa, std::span<const std::uint8_t> bytes);

    // Runs until every vCPU has exited or faulted, or `instructionBudget` instructions have run in total.
    MachineRun run(std::uint64_t instructionBudget);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vcm::hyp

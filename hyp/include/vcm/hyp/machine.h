// The emulated machine: the memory system, the VMs with their stage 2 and vCPUs, the hypervisor agents
// of every physical core (and their cacheable map of all RAM, which speculation pulls lines through), and a
// deterministic scheduler that runs the vCPUs in time slices.
//
// Scheduling: each physical core has a run queue. The scheduler always advances the core whose clock is
// furthest behind (ties go to the lowest core number) and runs the vCPU at the head of its queue for one
// slice. A vCPU that yields or uses its slice goes to the back of the queue, or to another core when a
// migration is due: a scripted migration hangs off a guest marker; forced migrations happen at slice ends
// with a seeded probability. Pinned vCPUs never migrate. Each core takes a timer tick every tickCycles
// (counted as softirq work). Scheduling latency per vCPU is the time it waited runnable in a queue.
// Same inputs and seed, same execution.
#pragma once

#include "vcm/hyp/cpu/vcpu.h"
#include "vcm/hyp/memory/memory_system.h"
#include "vcm/hyp/memory/speculation_engine.h"
#include "vcm/hyp/vm/stage2_table.h"
#include "vcm/tracer/event_sink.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vcm::hyp {

struct ScriptedMigration {
    std::string vcpu;   // e.g. "d1v0"
    std::string marker; // when the guest reaches this marker ...
    memory::CoreId toCore = 0; // ... it continues on this core after its current slice
};

struct MachineConfig {
    memory::MachineTopology topology;
    memory::CostModel costs;
    std::uint64_t seed = 1;
    std::uint64_t coreMHz = 2000;                      // converts cycles to the nanoseconds traces carry
    // A read of the generic timer's counter: one cycle like any instruction by default. Real cores take tens
    // of cycles (the read is ordered against the counter); a firmware that stalls by polling the counter
    // (EDK2's gBS->Stall, U-Boot's udelay) runs that many times fewer instructions per virtual second.
    memory::Cycles counterReadCycles = 1;
    std::uint64_t sliceInstructions = 20'000;
    memory::Cycles tickCycles = 2'000'000;             // 1 ms at 2 GHz
    std::uint64_t speculationFillsPerMillionCycles = 0; // through the hypervisor's map of all RAM
    std::uint32_t forcedMigrationPercent = 0;          // chance, at each slice end, to move to another core
    std::vector<ScriptedMigration> migrations;
};

struct VmSpec {
    std::string name;
    std::uint64_t ramIpa = 0x4000'0000;
    std::uint64_t ramBytes = 16u << 20;
    memory::PhysAddr machineBase = 0x8000'0000; // where its RAM lives in the machine
    std::vector<memory::CoreId> vcpuCores{0};   // one vCPU per entry, starting on that core
    bool pinned = false;                        // vCPUs never leave their starting core
    std::optional<std::uint64_t> entry;         // where the first vCPU starts (default: ramIpa)
    std::uint64_t entryX0 = 0;                  // its x0 there (a kernel's device tree, arm64 booting.rst)
    // The board's ROM and MMIO regions (a virt board), or null for a VM with RAM only. It must outlive the VM.
    const board::BoardBus* board = nullptr;
    // PSCI boot protocol: vCPUs other than the first are off until CPU_ON (as on QEMU's virt board).
    bool secondariesStartOff = false;
    // The guest has already touched all of its RAM (a long-running guest): a policy that maps stage 2 on demand
    // (kvm, fault-flush) starts with every page faulted in. Policies that map RAM at creation are unaffected.
    bool ramInUse = false;
};

struct VcpuSummary {
    std::string name;
    bool exited = false;
    std::uint64_t exitCode = 0;
    std::string fault;
    std::string console;
    std::uint64_t instructions = 0;
    std::uint64_t traps = 0;
    cpu::TrapCounts trapCounts;
    std::uint64_t memoryAccesses = 0;
    std::uint64_t migrations = 0;
    std::uint64_t slices = 0;
    memory::Cycles maxSchedulingLatency = 0; // longest wait, runnable but not running
    std::vector<memory::CoreId> coresVisited; // in order, each change of core once
    bool poweredOn = true;      // false: never started by PSCI CPU_ON, or stopped by CPU_OFF
    bool systemOff = false;     // its VM was switched off (PSCI SYSTEM_OFF) ...
    bool systemReset = false;   // ... or reset (PSCI SYSTEM_RESET), which ends its run
};

struct MachineRun {
    // Every vCPU exited (rather than faulted or ran out of budget), counting those of a VM that was switched
    // off or reset through PSCI.
    bool allExited = false;
    std::uint64_t instructions = 0; // over all vCPUs
    std::uint64_t timerTicks = 0;   // over all cores
    std::uint64_t speculativeFills = 0;
    std::vector<VcpuSummary> vcpus;
};

class Machine {
public:
    explicit Machine(const MachineConfig& config);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    memory::MemorySystem& memory();
    memory::SpeculationEngine& speculation();
    // The EL2 agent of a physical core (its cacheable map of all RAM).
    memory::AgentId hypervisorAgent(memory::CoreId core) const;

    // Creates a VM whose RAM [ramIpa, ramIpa + ramBytes) is mapped by stage 2 onto machine RAM at
    // machineBase, and its vCPUs (entry point: ramIpa). While a vCPU's caches are off, it is registered as a
    // cache-bypassing observer of its VM's RAM. Returns the VM index.
    std::size_t createVm(const VmSpec& spec, cpu::TrapHandler& traps);
    const VmSpec& vmSpec(std::size_t vmIndex) const;
    std::size_t vmCount() const;
    vm::Stage2Table& stage2(std::size_t vmIndex);
    cpu::Vcpu& vcpu(std::size_t vmIndex, std::size_t vcpuIndex);
    // The machine address of a VM's IPA (stage 2), or an exception naming the VM and the IPA.
    memory::PhysAddr machineAddress(std::size_t vmIndex, std::uint64_t ipa) const;

    // Writes an image into a VM's RAM directly at the PoC, as a hypervisor-side domain builder that does
    // its maintenance right (seed 000: "the dom0 build in the hypervisor ... already does the right thing"),
    // and makes it the vCPUs' instruction memory.
    void loadImage(std::size_t vmIndex, std::uint64_t ipa, std::span<const std::uint8_t> bytes);

    // Runs until every vCPU has exited or faulted, or `instructionBudget` instructions have run in total.
    // Before a vCPU enters its guest, EL2 work its trap handler owes it runs first (a deferred or interrupted
    // flush), preemptible through preemption(core).
    MachineRun run(std::uint64_t instructionBudget);
    // Ends run() after the slice running now (a scenario's stop condition, such as a console text).
    void requestStop();
    // Called after every slice of run() (a progress display; host time never reaches the model through it).
    // Returning false ends the run there, as requestStop().
    struct Progress {
        std::uint64_t instructions = 0; // over all vCPUs, so far
        std::uint64_t budget = 0;
        std::uint64_t virtualNs = 0;    // the furthest core's virtual time
    };
    void onProgress(std::function<bool(const Progress&)> callback);

    // Softirq work pending on a core: its timer tick is due, or another vCPU waits in its run queue.
    const cpu::PreemptionQuery& preemption(memory::CoreId core) const;

    // Tracing: every scheduling, trap, flush, toolstack and coherence event goes to `sink` (null: none).
    // Set it before creating VMs; it must outlive the machine (a vCPU passes on the set/way traps it has
    // recorded into the sink's SetWayTrapRecorder when it is destroyed). The coherence events reach it through
    // coherenceTracer(), which the caller chains behind its own CoherenceListener (or installs as the memory
    // system's listener).
    void setEventSink(tracer::EventSink* sink);
    tracer::EventSink* eventSink() const;
    memory::CoherenceListener* coherenceTracer();
    std::uint64_t nanoseconds(memory::Cycles cycles) const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vcm::hyp

// A virtual CPU: real AArch64 guest code at EL1 on a Unicorn engine, with every load, store and system
// instruction routed through the memory model and the emulated EL2.
//
// What the vCPU does itself: the guest's stage-1 translation (with a software TLB), the memory type of each
// access (stage 1 combined with stage 2, HCR_EL2.DC and FWB), the cache ID registers from the modelled
// geometry, set/way and by-VA maintenance executed "natively" on the current physical core, and the
// hypercall ABI of guest_abi.h. What it hands to EL2 (TrapHandler): set/way operations when HCR_EL2.TSW is
// set, writes to the VM-control registers when HCR_EL2.TVM is set.
//
// Unicorn's own MMU stays off: the engine sees guest RAM at its IPAs (a per-vCPU mirror buffer) and the data
// of every load is supplied by the model in the read hook, so what the guest reads is what the model returns.
// Instruction fetch reads the mirror, refreshed from RAM (the PoC) by refreshInstructions().
// A VA outside the RAM window that the guest's stage 1 maps onto RAM is mapped into the engine on first use
// as an alias of the mirror page of its IPA (dropped again after the next TLB flush), so non-identity
// mappings work for data and instructions. A non-identity mapping whose VA lies inside the RAM window is
// served correctly for data but the engine would fetch instructions from the VA's own page.
#pragma once

#include "vcm/hyp/board/board_bus.h"
#include "vcm/hyp/cpu/guest_ram_mirror.h"
#include "vcm/hyp/cpu/generic_timer.h"
#include "vcm/hyp/cpu/system_instruction.h"
#include "vcm/hyp/cpu/translation.h"
#include "vcm/hyp/memory/maintenance.h"
#include "vcm/hyp/memory/memory_system.h"
#include "vcm/tracer/event_sink.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vcm::hyp::cpu {

using memory::Cycles;
using memory::PhysAddr;

// The HCR_EL2 bits the model implements (D24.2.x HCR_EL2).
struct HcrEl2 {
    bool vm = true;    // stage 2 on: always, under a hypervisor
    bool swio = false; // DC ISW performs DC CISW (VM=1 does the same)
    bool tsw = false;  // trap DC ISW/CSW/CISW
    bool tvm = false;  // trap writes to the VM-control registers
    bool tid2 = false; // trap the cache identification registers (CTR_EL0, CCSIDR_EL1, CLIDR_EL1, CSSELR_EL1)
    bool dc = false;   // default cacheable: MMU-off data accesses are Normal write-back
    bool fwb = false;  // FEAT_S2FWB: stage 2 forces write-back
};

struct Stage2Translation {
    PhysAddr address = 0;
    Stage2MemoryKind kind = Stage2MemoryKind::Ram;
};

// The VM's guest-physical address space as the vCPU sees it through stage 2.
class GuestPhysicalSpace {
public:
    virtual ~GuestPhysicalSpace() = default;
    // The machine address and kind of `ipa`, or nothing for a stage-2 fault.
    virtual std::optional<Stage2Translation> translate(std::uint64_t ipa) const = 0;
    // The hypervisor's view: where `ipa` is mapped, whether or not its valid bit is set (access tracking and
    // lazily faulted-in pages keep mapped entries invalid).
    virtual std::optional<Stage2Translation> lookup(std::uint64_t ipa) const = 0;
    // Changes whenever a translation may have changed, so the vCPU's translation cache can be dropped.
    virtual std::uint64_t generation() const = 0;
    // Changes whenever EL2 removed or invalidated stage-2 entries and so flushed the VM's TLB entries: the
    // vCPU drops its cached stage-1 walks too (see Stage2Table::removals).
    virtual std::uint64_t removals() const = 0;
};

class Vcpu;

// EL2's side of a trap. The defaults perform what the guest asked, as if nothing were trapped; the
// cache-maintenance policies override them.
// Whether softirq work (a timer tick, another runnable vCPU) is pending on the core EL2 work runs on: what
// Xen's softirq_pending() and Linux's need_resched() answer in the hypervisors' preemption points.
class PreemptionQuery {
public:
    virtual ~PreemptionQuery() = default;
    virtual bool workPending() const = 0;
    // The earliest time at which the work now pending became pending (for the unpreempted-delay measure),
    // or ~0 when nothing is pending.
    virtual Cycles pendingSince() const = 0;
};

// EL2: what the hypervisor does when a vCPU traps, and the work it owes a vCPU before the vCPU may run again.
// The defaults are a pass-through hypervisor that traps nothing; the cache-maintenance policies override them.
class TrapHandler {
public:
    virtual ~TrapHandler() = default;
    // The VM this handler serves now exists (stage 2 mapped, vCPUs created), as machine VM `vmIndex`.
    virtual void onVmCreated(std::size_t vmIndex);
    // vCPU reset: set the initial HCR_EL2 bits.
    virtual void onVcpuReset(Vcpu& vcpu);
    virtual void onSetWay(Vcpu& vcpu, memory::SetWayOp op, std::uint64_t operand);
    virtual void onVmRegisterWrite(Vcpu& vcpu, SystemRegister reg, std::uint64_t oldValue, std::uint64_t newValue);
    // An access to a cache identification register trapped by HCR_EL2.TID2: a read returns what the guest sees
    // (default: the machine's own value); a write (`written`, CSSELR_EL1 only) is applied by the handler.
    virtual std::uint64_t onCacheIdRegister(Vcpu& vcpu, SystemRegister reg, std::optional<std::uint64_t> written);
    // A guest access found no valid stage-2 translation for `ipa`. Return true when EL2 fixed it up (the
    // access is retried), false for a stage-2 abort.
    virtual bool onStage2Fault(Vcpu& vcpu, std::uint64_t ipa);
    // EL2 work the vCPU must wait for before it returns to the guest (a deferred or interrupted flush).
    virtual bool hasPendingWork(const Vcpu& vcpu) const;
    // Runs that work on the vCPU's current core. Returns true when it is finished, false when it stopped at
    // a preemption point because `preemption` reported pending work (the scheduler then runs that work).
    virtual bool runPendingWork(Vcpu& vcpu, const PreemptionQuery& preemption);
};

// An SMC Calling Convention call (Arm DEN0028) a guest made with HVC #0 or SMC #0, other than vcm's own
// hypercalls (guest_abi.h): PSCI and whatever firmware services EL2 offers.
enum class SmcccConduit : std::uint8_t { Hvc = 0, Smc = 1 };
struct SmcccCall {
    SmcccConduit conduit = SmcccConduit::Hvc;
    std::uint32_t functionId = 0;       // w0
    std::array<std::uint64_t, 3> args{}; // x1..x3
};
// What the call does to the caller beyond its result registers.
enum class SmcccAction : std::uint8_t { Return, PowerOff, Reset, CpuOff };
struct SmcccResult {
    static constexpr std::uint64_t kNotSupported = ~std::uint64_t{0}; // SMCCC_RET_NOT_SUPPORTED (-1)
    std::array<std::uint64_t, 4> x{kNotSupported, 0, 0, 0};
    bool writesAll = false; // x1..x3 carry results too (else only x0 is written)
    SmcccAction action = SmcccAction::Return;
};
class SmcccService {
public:
    virtual ~SmcccService() = default;
    virtual SmcccResult call(Vcpu& caller, const SmcccCall& call) = 0;
};

// Traps taken by one vCPU, by kind.
struct TrapCounts {
    std::uint64_t setWay = 0;
    std::uint64_t tvm = 0;
    std::uint64_t tvmAfterCachesOn = 0; // TVM traps taken while the guest's caches were already on
    std::uint64_t stage2Fault = 0;
    std::uint64_t cacheIdRegister = 0; // accesses trapped by HCR_EL2.TID2
    std::uint64_t smccc = 0; // firmware calls (PSCI), not vcm's own hypercalls
    std::uint64_t mmio = 0;  // device accesses emulated by EL2 (board regions)
    std::uint64_t total() const { return setWay + tvm + stage2Fault + cacheIdRegister + smccc + mmio; }
};

struct VcpuConfig {
    std::string name;
    std::uint32_t vmId = 0;
    std::uint32_t index = 0;
    std::uint64_t ramIpa = 0;   // guest RAM as the engine maps it
    std::uint64_t ramBytes = 0;
    std::uint64_t entry = 0;    // initial PC
    std::uint64_t entryX0 = 0;  // initial x0
    // The VM's RAM as the engines see it, shared by its vCPUs (null: the vCPU reserves its own).
    std::shared_ptr<GuestRamMirror> mirror;
    Cycles cyclesPerInstruction = 1;
    Cycles trapEntryExit = 1500; // one EL1 -> EL2 -> EL1 round trip
    // CNTVCT_EL0 advances once per this many core cycles: 62.5 MHz (CNTFRQ_EL0) on a 2 GHz core.
    Cycles cyclesPerCounterTick = 32;
    // What a read of CNTVCT_EL0 or CNTPCT_EL0 costs, the instruction included (MachineConfig::counterReadCycles).
    Cycles counterReadCycles = 1;
    std::uint64_t coreMHz = 2000; // for the nanosecond timestamps of trace events
    tracer::EventSink* events = nullptr;
    // EL2's answer to SMCCC calls other than vcm's own (PSCI); null: every such call is NOT_SUPPORTED.
    SmcccService* firmware = nullptr;
    // The board's ROM and MMIO regions outside RAM (null: none; such an access is a stage-2 abort).
    const board::BoardBus* board = nullptr;
    bool startsOn = true; // false: powered off until PSCI CPU_ON (secondary CPUs of a board)
};

enum class VcpuStop : std::uint8_t {
    BudgetUsed, // the slice's instruction budget ran out
    Yielded,    // VCM_SMCCC_YIELD
    Exited,     // VCM_SMCCC_EXIT, or PSCI SYSTEM_OFF / SYSTEM_RESET
    Fault,      // an exception the model does not deliver, a stage-1 or stage-2 fault, an unknown hypercall
    Hypervisor, // a trap handler left EL2 work to finish before the guest continues (TrapHandler::hasPendingWork)
    PoweredOff, // PSCI CPU_OFF, or never powered on: runs again only after CPU_ON
    // WFI or WFE with nothing to wake it yet (a board with an interrupt controller): it sleeps until an
    // interrupt is signalled to it, its timer's deadline (wakeUpCounter), or, after WFE, another vCPU runs.
    WaitingForInterrupt,
};

struct VcpuRun {
    VcpuStop stop = VcpuStop::BudgetUsed;
    std::uint64_t instructions = 0;
};

struct Marker {
    Cycles time = 0;
    std::string name;
};

class Vcpu {
public:
    // `hypervisorAgents[core]` is the EL2 agent of each physical core: hypercall arguments are read through
    // the hypervisor's own cacheable map of guest RAM, as Xen's copy_from_guest does.
    Vcpu(const VcpuConfig& config, memory::MemorySystem& memory, memory::AgentId agent,
         std::vector<memory::AgentId> hypervisorAgents, const GuestPhysicalSpace& space, TrapHandler& traps);
    ~Vcpu();
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;

    const VcpuConfig& config() const;
    memory::AgentId agent() const;
    memory::CoreId core() const;
    // Places the vCPU on a physical core: its accesses and set/way operations use that core's caches.
    void setCore(memory::CoreId core);

    // Copies [ipa, ipa + length) from RAM into the engine's instruction view and drops translated code.
    void refreshInstructions(std::uint64_t ipa, std::uint64_t length);

    // Runs up to `instructionBudget` instructions; charges the current core with their cycles.
    VcpuRun run(std::uint64_t instructionBudget);

    // HCR_EL2 as EL2 last set it.
    const HcrEl2& hcr() const;
    // Sets HCR_EL2. The vCPU's cache of translations is dropped only when VM, DC or FWB change (memory types
    // depend on them); the trap bits take effect at the next instruction they concern. Trap handlers change
    // HCR_EL2 on every trap (Xen sets TVM after each set/way operation), so this must not cost a TLB flush.
    void setHcr(const HcrEl2& value);
    // setHcr(hcr() as `change` leaves it).
    template <typename Change>
    void updateHcr(Change&& change)
    {
        HcrEl2 next = hcr();
        change(next);
        setHcr(next);
    }
    const Stage1Registers& stage1() const;
    // Applies a VM-control register write (what the guest's MSR does when not trapped, and what a trap
    // handler calls to let it happen). Flushes the software TLB where the Arm ARM says translation changes.
    void writeRegister(SystemRegister reg, std::uint64_t value);
    std::uint64_t readRegister(SystemRegister reg) const;

    // Executes DC xSW on the current core (with the ISW -> CISW upgrade of HCR_EL2.SWIO/VM).
    memory::MaintenanceResult executeSetWay(memory::SetWayOp op, std::uint64_t operand);
    // Charges EL2 work to the current core (trap handling, flushes).
    void chargeHypervisor(Cycles cycles);

    bool exited() const;
    std::uint64_t exitCode() const;
    // PSCI: the guest switched the system off (SYSTEM_OFF) or asked for a reset (SYSTEM_RESET); either ends
    // the vCPU (exited() with code 0).
    bool systemOffRequested() const;
    bool systemResetRequested() const;
    // Powered on: started on, or by CPU_ON since the last CPU_OFF.
    bool poweredOn() const;
    // PSCI CPU_ON: the vCPU starts at `entry` at EL1 with MMU and caches off and `context` in x0 (PSCI 1.0
    // section 5.6). False when it is already on.
    bool powerOn(std::uint64_t entry, std::uint64_t context);
    // MPIDR_EL1 as the guest reads it.
    std::uint64_t mpidr() const;
    // The generic timer's counter (CNTPCT_EL0 = CNTVCT_EL0): the current core's virtual time in ticks.
    std::uint64_t counter() const;
    const GenericTimer& timer() const;
    // The counter value at which the vCPU's timer fires next (what a WFI waits for), if one is armed.
    std::optional<std::uint64_t> wakeUpCounter() const;
    // The board's interrupt controller signals an IRQ to this vCPU (whether PSTATE.I lets it be taken or not).
    bool interruptSignalled() const;
    // The last wait was a WFE: an event from another CPU (a store that clears its exclusive monitor, SEV)
    // ends it too, and the model does not track those, so another vCPU's slice wakes it.
    bool waitingForEvent() const;
    std::uint64_t interruptsTaken() const; // IRQ exceptions delivered to the guest
    const std::string& console() const;
    const std::vector<Marker>& markers() const;
    const std::string& faultDescription() const;
    std::uint64_t trapCount() const;
    const TrapCounts& traps() const;
    // From a set/way trap handler: EL2 refuses the instruction, and the guest takes an Undefined Instruction
    // exception at it (ESR_EL1.EC 0, ELR_EL1 on the instruction, nothing after it run), as Xen's
    // inject_undef_exception does when the p2m is shared with the IOMMU (2b45ff6030).
    void refuseTrappedInstruction();
    // Ends the current slice after the instruction being handled: a trap handler that leaves EL2 work
    // pending calls this so the scheduler can run that work (and preempt it) before the guest continues.
    void exitToHypervisor();
    // The virtual time of the core the vCPU is on, in nanoseconds (instructions are charged as they run).
    std::uint64_t nowNs() const;
    std::uint64_t memoryAccesses() const; // guest loads and stores routed through the model

    // SCTLR_EL1.M and C both set: the guest's data accesses to RAM are cacheable.
    bool cachesOn() const;
    // The guest's data accesses to RAM bypass the caches (its own regime combined with HCR_EL2.DC and FWB):
    // it is then an observer that sees RAM, not the caches.
    bool bypassesCaches() const;
    // Called when a write to SCTLR_EL1 turns the guest's caches on or off (the machine registers a
    // cache-bypassing observer while they are off).
    void onCacheStateChange(std::function<void(bool cachesOn)> callback);
    // Called when the guest reaches a named marker (scripted migrations hang off markers).
    void onMarker(std::function<void(const Marker&)> callback);

    // Maintenance broadcast to the inner shareable domain (the other vCPUs of the VM): TLB invalidation (any
    // TLBI; the model treats them all as broadcast) and instruction cache invalidation (IC IVAU is broadcast,
    // Arm ARM D7.5.9.1, and IC IALLUIS by name), with the IPA pages written since the last IC.
    struct BroadcastMaintenance {
        bool tlb = false;
        std::vector<std::uint64_t> codePages;
    };
    void onBroadcastMaintenance(std::function<void(const BroadcastMaintenance&)> callback);
    // Another vCPU's broadcast reaching this one: applied before its next slice (it is not running now).
    void receiveMaintenance(const BroadcastMaintenance& maintenance);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vcm::hyp::cpu

// The vCPU's private state (Vcpu::Impl), shared by the files that implement it: vcpu.cpp (engine, slices,
// public API), vcpu_memory_access.cpp (translation, loads and stores), vcpu_system_registers.cpp (MRS, MSR,
// SYS) and vcpu_exceptions.cpp (HVC, SMC and the exceptions the engine raises).
#pragma once

#include "vcm/hyp/board/guest_services.h"
#include "vcm/hyp/cpu/guest_ram_mirror.h"
#include "vcm/hyp/cpu/vcpu.h"

#include "vcm/tracer/setway_trap_recorder.h"

#include <fmt/core.h>
#include <unicorn/unicorn.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace vcm::hyp::cpu {

using memory::MemoryType;

inline constexpr std::uint32_t kExceptionUndefined = 1; // QEMU EXCP_UDEF: how HVC arrives without EL2
inline constexpr std::uint32_t kHvcMask = 0xffe0001fu;
inline constexpr std::uint32_t kHvcBits = 0xd4000002u;
inline constexpr std::uint32_t kSmcBits = 0xd4000003u;       // SMC #imm16, under kHvcMask
inline constexpr std::uint32_t kExceptionSecureMonitorCall = 13; // QEMU EXCP_SMC
inline constexpr std::uint32_t kExceptionSupervisorCall = 2;     // QEMU EXCP_SWI, pc past the SVC
inline constexpr std::uint32_t kExceptionBreakpoint = 7;         // QEMU EXCP_BKPT, pc on the BRK
inline constexpr std::uint32_t kExceptionPrefetchAbort = 3;      // QEMU EXCP_PREFETCH_ABORT, from its MMU
inline constexpr std::uint32_t kExceptionDataAbort = 4;          // QEMU EXCP_DATA_ABORT, pc on the access
inline constexpr std::uint64_t kNeverExecuted = 0xffff'ffff'ffff'fffcull; // see simulators.md 3.4
inline constexpr std::uint64_t kPageMask = ~std::uint64_t{0xfff};
inline constexpr std::uint64_t kMaxConsoleWrite = 4096;
inline constexpr std::uint64_t kPstateI = 1u << 7; // PSTATE.I as Unicorn reads it (SPSR layout)
inline constexpr std::size_t kMaxMarker = 63;
// Guest RAM as the engine maps it: readable and executable, never written by the engine (see Impl::Impl).
inline constexpr std::uint32_t kEnginePermissions = UC_PROT_READ | UC_PROT_EXEC;

struct DataTranslation {
    PhysAddr address = 0;
    MemoryType type = MemoryType::Device;
    std::uint64_t ipa = 0;
    const board::BoardRegion* region = nullptr; // a board region (ROM, MMIO) instead of RAM at `address`
    bool writable = true; // at EL1 (stage 1's AP[2] and APTable[1]; stage 2 maps RAM read-write)
    unsigned level = 3;   // of stage 1's leaf, for a permission fault's status code
};

// It serves its guest's requests to vcm (GuestServices), whether they come as hypercalls or through the guest port.
class Vcpu::Impl final : public board::GuestServices {
public:
    Impl(Vcpu& self, const VcpuConfig& config, memory::MemorySystem& memory, memory::AgentId agent,
         std::vector<memory::AgentId> hypervisorAgents, const GuestPhysicalSpace& space, TrapHandler& traps);
    ~Impl();

    void stop(VcpuStop why, std::string description = {});
    // `collectFaults`: a stage-1 fault is recorded in m_collectedFault for the caller to deliver to the guest,
    // instead of stopping the vCPU.
    std::optional<DataTranslation> translate(std::uint64_t va, bool collectFaults = false)
    {
        // The hot path of every access: a hit in m_fast, inline. Everything else is translateSlow().
        const FastTranslation& fast = m_fast[(va >> 12) % m_fast.size()];
        if (fast.vaPage == (va & kPageMask) && fast.generation == m_space.generation())
            return DataTranslation{fast.paPage | (va & 0xfff), fast.type, fast.ipaPage | (va & 0xfff), fast.region,
                                   fast.writable, fast.level};
        return translateSlow(va, collectFaults);
    }
    std::optional<DataTranslation> translateSlow(std::uint64_t va, bool collectFaults);
    bool inRamWindow(std::uint64_t address) const
    {
        return address >= m_config.ramIpa && address - m_config.ramIpa < m_config.ramBytes;
    }
    // Where the engine reads the bytes of RAM at `ipa`. The engine's physical address space is the VM's IPA
    // space (the mirror at the RAM window, board regions at their bases) and its MMU translates the guest's
    // VAs with the guest's own tables, so every VA of a page reads the same mirror bytes.
    std::uint8_t* engineBytes(std::uint64_t ipa) const { return m_mirror + (ipa - m_config.ramIpa); }
    // The instruction at `va` as the engine fetches it (the mirror or a board region), or nothing when the
    // model's walk cannot translate it.
    std::optional<std::uint32_t> instructionAt(std::uint64_t va);
    // The engine's own state (vcpu_engine_state.cpp): EL1 in AArch64 for its MMU, placeholders for the VA
    // space outside RAM and the board, its copies of the guest's translation registers, its TLB and its
    // translated code.
    void setUpEngine();
    void locateEngineState();
    void rebuildEngineFlags(); // after vcm writes PSTATE or a register the flags depend on
    void mapVaPlaceholders();
    void syncEngineTranslation();
    void writeEngineTranslationRegister(SystemRegister reg);
    void flushEngineTlb();
    // Drops the code the engine translated from these IPA pages.
    void invalidateTranslatedCode(std::vector<std::uint64_t> ipaPages);
    // Maps mirror bytes into the engine, read-only to it (see Impl::Impl). Unicorn 2.0.1's uc_mem_map_ptr
    // records the permissions but leaves the region writable to the engine's TLB; only uc_mem_protect marks
    // it read-only (memory_region_set_readonly), which is what turns stores into TLB_DISCARD_WRITE.
    bool mapMirror(std::uint64_t address, std::uint64_t bytes, std::uint8_t* host)
    {
        return uc_mem_map_ptr(m_uc, address, bytes, kEnginePermissions, host) == UC_ERR_OK &&
               uc_mem_protect(m_uc, address, bytes, kEnginePermissions) == UC_ERR_OK;
    }
    void emitTvmChange(bool before);
    void emitTrap(tracer::TrapKind kind, std::uint32_t detail, std::uint64_t operand, std::uint64_t oldValue,
                  std::uint64_t newValue)
    {
        if (m_config.events != nullptr)
            m_config.events->trap(m_self.nowNs(), m_config.vmId, m_config.index, m_self.core(), kind, detail, operand,
                                  oldValue, newValue);
    }
    // A guest's set/way loop traps hundreds of thousands of times: recorded inline, in core cycles, when the sink
    // batches them (SetWayTrapRecorder), else one trap event each.
    void emitSetWayTrap(memory::SetWayOp op, std::uint64_t operand)
    {
        if (m_setWayRecorder != nullptr) {
            m_setWayRecorder->record(*m_trapClock, static_cast<std::uint8_t>(op), operand); // bound by run()
        } else {
            emitTrap(tracer::TrapKind::SetWay, static_cast<std::uint32_t>(op), operand, 0, 0);
        }
    }
    // Runs a trap handler, reporting any change it makes to HCR_EL2.TVM.
    template <typename Handler>
    void handleTrap(Handler&& handler)
    {
        const bool tvmBefore = m_hcr.tvm;
        handler();
        if (m_hcr.tvm != tvmBefore) [[unlikely]] // inline: a set/way loop takes this branch per trap
            emitTvmChange(tvmBefore);
    }
    // The model's software TLB; the engine's own TLB is flushed by the engine (TLBI executes there too, and
    // its register writes flush it).
    void flushTlb()
    {
        m_tlb.clear();
        m_fast.fill(FastTranslation{});
    }

    // Hooks.
    // Inlined into the engine's hook trampoline (it runs for every guest load and store); an access that crosses
    // a page goes to onMemorySplit, which calls it once per page.
    [[gnu::always_inline]] inline void onMemory(uc_mem_type type, std::uint64_t address, int size, std::int64_t value);
    [[gnu::noinline]] void onMemorySplit(uc_mem_type type, std::uint64_t address, int size, std::int64_t value);
    bool onStore(std::uint64_t address, int size, std::int64_t value);
    std::uint32_t onMrs(uc_arm64_reg reg, const uc_arm64_cp_reg& cp);
    std::uint32_t onMsr(const uc_arm64_cp_reg& cp);
    std::uint32_t onSys(const uc_arm64_cp_reg& cp);
    // EL2 refused the set/way operation being trapped: the guest takes UNDEF at it (refuseTrappedInstruction).
    [[noreturn]] void refuseSetWay(memory::SetWayOp op, std::uint64_t operand);
    void onInterrupt(std::uint32_t intno);
    void onBlock(std::uint32_t size);
    // Charges the core with the instructions run since the last charge, so every event during a slice (the
    // memory system's, EL2's, this vCPU's) is stamped on one clock.
    void chargeInstructions()
    {
        const std::uint64_t pending = m_sliceInstructions - m_chargedInstructions;
        if (pending == 0)
            return;
        m_memory.advanceAgentCore(m_agent, pending * m_config.cyclesPerInstruction);
        m_chargedInstructions = m_sliceInstructions;
    }
    bool onUnmapped(uc_mem_type type, std::uint64_t address);
    bool onFetchFromPlaceholder(std::uint64_t address);
    // A stage-1 fault the model's walk found for a load or store the engine is about to make: it becomes the
    // pending abort, which the engine's own MMU then raises (onInterrupt delivers it).
    [[gnu::noinline]] void collectAbort(std::uint64_t address, bool write);
    // A pending abort still there at the next hook: the engine's MMU did not fault where the model's walk
    // did (its tables read the latest writes; the model's walk reads through the caches).
    [[gnu::noinline]] void abortNotTaken();
    // The engine raised an abort (EXCP_DATA_ABORT or EXCP_PREFETCH_ABORT) from its MMU.
    void onEngineAbort(bool instructionFetch);
    // A load or store to a board region: ROM reads need nothing (the engine reads the ROM), everything else
    // is a device access EL2 emulates (a stage-2 data abort on hardware).
    [[gnu::noinline]] void onBoardAccess(uc_mem_type type, std::uint32_t length, std::int64_t value,
                                         const DataTranslation& where);
    // Where the engine reads the bytes of board IPA `ipa`: the ROM, or this vCPU's scratch page of a device.
    std::uint8_t* boardBytes(const board::BoardRegion& region, std::uint64_t ipa) const
    {
        return (region.kind == board::RegionKind::Rom ? region.bytes : m_deviceWindows[region.index]) +
               (ipa - region.base);
    }
    // The bytes at `ipa` when [ipa, ipa + length) lies in a board ROM (flash), else null: ROM is outside the
    // cache model, so tables and code there are read as they are (EDK2 runs from flash with its first page
    // tables inside the image).
    const std::uint8_t* romBytes(std::uint64_t ipa, std::uint64_t length) const
    {
        if (m_config.board == nullptr)
            return nullptr;
        const board::BoardRegion* region = m_config.board->find(ipa);
        if (region == nullptr || region->kind != board::RegionKind::Rom || ipa + length > region->base + region->size)
            return nullptr;
        return region->bytes + (ipa - region->base);
    }
    void mapBoard();
    void releaseDeviceWindows();
    // WFI or WFE just ran (vcpu_exception_entry.cpp): the vCPU sleeps until an interrupt or its timer wakes it.
    void onWaitForInterrupt();
    // Board interrupts (vcpu_interrupts.cpp): the timers' PPI levels driven into the controller, and an IRQ
    // taken at the start of a slice when the controller signals one and PSTATE.I allows it.
    void updateTimerLines();
    bool takePendingInterrupt();
    // Caps a slice so that it ends when the vCPU's timer fires, where its interrupt is then taken.
    std::uint64_t sliceUntilTimer(std::uint64_t budget) const;
    // Enters the data or instruction abort onUnmapped found (vcpu_exception_entry.cpp).
    void deliverPendingAbort();

    // HVC #imm or SMC #imm at `pc` (pc already points past it): an SMCCC call, vcm's own or EL2's firmware.
    void smcccCall(SmcccConduit conduit, std::uint32_t immediate, std::uint64_t pc);
    // An access to a cache ID register under HCR_EL2.TID2: the trap, the handler's answer (a read's value).
    std::uint64_t cacheIdRegisterTrap(SystemRegister reg, const uc_arm64_cp_reg& cp, std::optional<std::uint64_t> written);
    // vcm's own calls (guest_abi.h); false when `functionId` is not one of them.
    bool vcmCall(std::uint32_t functionId);
    // GuestServices (vcpu_exceptions.cpp).
    void consoleWrite(std::uint64_t address, std::uint64_t length) override;
    void marker(std::uint64_t nameAddress) override;
    void exitGuest(std::uint64_t code) override;
    void yield() override;
    void refuse(std::string why) override;
    // Enters a synchronous exception at EL1 (vcpu_exception_entry.cpp): exception class, syndrome, where ERET
    // returns to, FAR_EL1 for an abort, and what it was for messages.
    // `instructionAddress`: the instruction that caused it, for messages (an SVC returns past itself).
    void takeSynchronousException(std::uint32_t exceptionClass, std::uint32_t iss, std::uint64_t returnAddress,
                                  std::optional<std::uint64_t> faultAddress, const std::string& what,
                                  std::uint64_t instructionAddress);
    // AArch64.TakeException's common part: SPSR_EL1 and ELR_EL1, PSTATE to EL1h with DAIF masked, PC to the
    // vector at `vectorOffset` (0 synchronous, 0x80 IRQ) of the group for where the exception came from.
    void enterException(std::uint64_t vectorOffset, std::uint64_t returnAddress);
    std::optional<std::string> readGuestString(std::uint64_t va, std::uint64_t length, bool stopAtNul);
    std::uint64_t reg(int id) const;

    Vcpu& m_self;
    VcpuConfig m_config;
    memory::MemorySystem& m_memory;
    memory::AgentId m_agent;
    std::vector<memory::AgentId> m_hypervisorAgents;
    const GuestPhysicalSpace& m_space;
    TrapHandler& m_traps;
    uc_engine* m_uc = nullptr;
    void* m_engineState = nullptr;                 // the engine's CPUARMState (locateEngineState)
    void (*m_rebuildEngineFlags)(void*) = nullptr; // QEMU's arm_rebuild_hflags
    // QEMU's raise_exception: the engine takes an exception at the instruction its hook is handling (the hook
    // synced the PC), leaving the translated block there; Unicorn's interrupt hook then sees it (onInterrupt).
    void (*m_raiseEngineException)(void*, std::uint32_t, std::uint32_t, std::uint32_t) = nullptr;
    bool m_refuseTrapped = false; // set by refuseTrappedInstruction() inside a trap handler
    std::shared_ptr<GuestRamMirror> m_mirrorOwner;
    std::uint8_t* m_mirror = nullptr; // m_mirrorOwner->data()
    HcrEl2 m_hcr;
    Stage1Registers m_stage1;
    std::uint64_t m_csselr = 0;
    std::uint64_t m_amair = 0, m_contextidr = 0, m_esr = 0, m_far = 0, m_afsr0 = 0, m_afsr1 = 0;
    struct TlbEntry {
        std::uint64_t ipaPage = 0;
        std::uint8_t mairAttr = 0;
        bool writable = true;
        std::uint8_t level = 3;
    };
    std::unordered_map<std::uint64_t, TlbEntry> m_tlb;
    std::uint64_t m_tlbRemovals = 0; // GuestPhysicalSpace::removals() when m_tlb was last valid
    // Complete VA-page -> machine-page translations with their memory type, direct-mapped: the hot path of
    // every access. Valid only for the stage-2 generation they were made in; flushed with the TLB and on
    // a change of HCR_EL2.VM, DC or FWB (setHcr).
    struct FastTranslation {
        std::uint64_t vaPage = ~std::uint64_t{0};
        std::uint64_t paPage = 0;
        std::uint64_t ipaPage = 0;
        std::uint64_t generation = 0;
        MemoryType type = MemoryType::Device;
        const board::BoardRegion* region = nullptr;
        bool writable = true;
        std::uint8_t level = 3;
    };
    std::array<FastTranslation, 256> m_fast{};
    // IPA pages of RAM the guest stored to since its last IC instruction (see invalidateStoredCode), in store
    // order with repeats of the previous page skipped; sorted and made unique when it grows past
    // m_compactStoredPagesAt.
    static constexpr std::size_t kCompactStoredPagesAt = 4096;
    std::size_t m_compactStoredPagesAt = kCompactStoredPagesAt;
    std::vector<std::uint64_t> m_storedPages;
    std::uint64_t m_lastStoredPage = ~std::uint64_t{0};
    void compactStoredPages();
    void invalidateStoredCode();
    // The byte stores Unicorn replays an unaligned store as (see onStore).
    std::uint32_t m_unalignedBytesLeft = 0;
    std::uint64_t m_unalignedNext = 0;
    struct LastDataAccess {
        std::uint64_t address = 0;
        bool write = false;
    };
    LastDataAccess m_lastDataAccess; // what an engine abort the model's walk did not foresee was about

    std::uint64_t m_pc = 0;
    std::uint64_t m_budget = 0;
    std::uint64_t m_sliceInstructions = 0;
    std::uint64_t m_chargedInstructions = 0;
    bool m_stopRequested = false;
    VcpuStop m_stop = VcpuStop::BudgetUsed;
    bool m_exited = false;
    bool m_poweredOn = true;
    // Exceptions delivered to the guest, the run of them taken from inside its vector table, and the last one
    // (named in a fault that follows inside the vectors).
    std::uint64_t m_exceptionsTaken = 0;
    std::uint64_t m_waitsForInterrupt = 0; // WFI and WFE executed
    bool m_waitingForEvent = false;        // the last wait was a WFE
    board::InterruptController* m_interrupts = nullptr; // the board's, or null
    std::uint64_t m_interruptsTaken = 0;
    // An IRQ is signalled while PSTATE.I masks it: the block hook watches for the guest unmasking it (MSR
    // DAIFClr ends its translated block) and ends the slice there, so the next slice starts by taking it.
    bool m_irqWaiting = false;
    // A stage-1 fault the model's walk found for an access, delivered once the engine has aborted it: by
    // run() after an unmapped access, or by onInterrupt when the engine's MMU raises it.
    struct PendingAbort {
        std::uint64_t address = 0;
        unsigned level = 0;
        Stage1FaultKind kind = Stage1FaultKind::Translation;
        bool instructionFetch = false;
        bool write = false;
        std::string reason;
    };
    std::optional<PendingAbort> m_pendingAbort;
    std::optional<Stage1Fault> m_collectedFault; // set by translateSlow when asked to collect faults
    std::uint32_t m_nestedExceptions = 0;
    std::string m_firstNestedException;
    std::string m_lastException;
    GenericTimer m_timer;
    // Per board MMIO region, the engine's window onto it: a read-only scratch buffer a device read is copied
    // into just before the engine loads from it (the way RAM reads are supplied). Null for ROM regions.
    std::vector<std::uint8_t*> m_deviceWindows;
    bool m_poweredOff = false;     // PSCI SYSTEM_OFF
    bool m_resetRequested = false; // PSCI SYSTEM_RESET
    std::uint64_t m_exitCode = 0;
    std::string m_console;
    std::vector<Marker> m_markers;
    std::string m_fault;
    std::uint64_t m_trapsTaken = 0;
    TrapCounts m_trapCounts;
    // Where set/way traps are recorded when the sink batches them (TrapBatchingSink), else null.
    tracer::SetWayTrapRecorder* m_setWayRecorder = nullptr;
    tracer::SetWayTrapSource m_trapSource; // this vCPU on its current core (setCore keeps it current)
    const memory::Cycles* m_trapClock = nullptr; // that core's clock
    std::uint64_t m_memoryAccesses = 0;
    std::function<void(bool)> m_cacheStateChanged;
    std::function<void(const Marker&)> m_markerReached;
    std::function<void(const BroadcastMaintenance&)> m_broadcast;
    bool m_remoteTlbInvalidate = false;        // another vCPU's TLBI, owed before the next slice
    std::vector<std::uint64_t> m_remoteCodePages; // pages another vCPU's IC named, likewise
    void applyRemoteMaintenance();
};

inline void Vcpu::Impl::onMemory(uc_mem_type type, std::uint64_t address, int size, std::int64_t value)
{
    if (m_stopRequested)
        return;
    if (m_pendingAbort) [[unlikely]] {
        abortNotTaken();
        return;
    }
    chargeInstructions();
    const auto length = static_cast<std::uint32_t>(size);
    if ((address & 0xfff) + length > 0x1000) {
        onMemorySplit(type, address, size, value);
        return;
    }
    const auto where = translate(address, /*collectFaults=*/true);
    if (!where) {
        collectAbort(address, type != UC_MEM_READ);
        return;
    }
    if (type != UC_MEM_READ && !where->writable) [[unlikely]] {
        m_collectedFault = Stage1Fault{where->level, "a store to a page stage 1 maps read-only",
                                       Stage1FaultKind::Permission};
        collectAbort(address, true);
        return;
    }
    m_lastDataAccess = {address, type != UC_MEM_READ};
    if (where->region != nullptr) [[unlikely]] {
        onBoardAccess(type, length, value, *where);
        return;
    }
    ++m_memoryAccesses;
    if (type == UC_MEM_READ) {
        // The engine loads from its mirror right after this hook: the model's bytes go straight there.
        m_memory.read(m_agent, where->address, std::span(engineBytes(where->ipa), length), where->type);
    } else {
        // The value holds at most 8 bytes; those of a wider store beyond them are written as zeros.
        std::array<std::uint8_t, 16> bytes{};
        const auto raw = static_cast<std::uint64_t>(value);
        std::memcpy(bytes.data(), &raw, 8);
        m_memory.write(m_agent, where->address, std::span(bytes.data(), length), where->type);
        // The engine drops the store (its RAM is read-only): the mirror gets it here, for instruction
        // fetch and the engine's table walks, which read the mirror (written code runs as the guest wrote it).
        std::memcpy(engineBytes(where->ipa), bytes.data(), length);
        const std::uint64_t page = where->ipa & kPageMask;
        if (page != m_lastStoredPage) {
            m_lastStoredPage = page;
            m_storedPages.push_back(page);
            if (m_storedPages.size() > m_compactStoredPagesAt)
                compactStoredPages();
        }
    }
}

} // namespace vcm::hyp::cpu

// The vCPU on Unicorn: hooks for loads, stores, system instructions, exceptions; the software TLB.
#include "vcm/hyp/cpu/vcpu.h"

#include "vcm/hyp/guest_abi.h"
#include "vcm/hyp/memory/id_registers.h"
#include "vcm/tracer/setway_trap_recorder.h"

#include <fmt/core.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace vcm::hyp::cpu {
namespace {

using memory::MemoryType;

constexpr std::uint32_t kExceptionUndefined = 1; // QEMU EXCP_UDEF: how HVC arrives without EL2
constexpr std::uint32_t kHvcMask = 0xffe0001fu;
constexpr std::uint32_t kHvcBits = 0xd4000002u;
constexpr std::uint64_t kNeverExecuted = 0xffff'ffff'ffff'fffcull; // see simulators.md 3.4
constexpr std::uint64_t kPageMask = ~std::uint64_t{0xfff};
constexpr std::uint64_t kMaxConsoleWrite = 4096;
constexpr std::size_t kMaxMarker = 63;
// Guest RAM as the engine maps it: readable and executable, never written by the engine (see Impl::Impl).
constexpr std::uint32_t kEnginePermissions = UC_PROT_READ | UC_PROT_EXEC;

const char* exceptionName(std::uint32_t intno)
{
    switch (intno) {
    case 1:
        return "undefined instruction";
    case 2:
        return "supervisor call";
    case 3:
        return "prefetch abort";
    case 4:
        return "data abort";
    case 5:
        return "IRQ";
    case 6:
        return "FIQ";
    case 7:
        return "breakpoint";
    default:
        return "exception";
    }
}

struct DataTranslation {
    PhysAddr address = 0;
    MemoryType type = MemoryType::Device;
    std::uint64_t ipa = 0;
};

} // namespace

void TrapHandler::onVmCreated(std::size_t) {}

void TrapHandler::onVcpuReset(Vcpu&) {}

bool TrapHandler::onStage2Fault(Vcpu&, std::uint64_t)
{
    return false;
}

bool TrapHandler::hasPendingWork(const Vcpu&) const
{
    return false;
}

bool TrapHandler::runPendingWork(Vcpu&, const PreemptionQuery&)
{
    return true;
}

void TrapHandler::onSetWay(Vcpu& vcpu, memory::SetWayOp op, std::uint64_t operand)
{
    vcpu.executeSetWay(op, operand);
}

void TrapHandler::onVmRegisterWrite(Vcpu& vcpu, SystemRegister reg, std::uint64_t, std::uint64_t newValue)
{
    vcpu.writeRegister(reg, newValue);
}

class Vcpu::Impl {
public:
    Impl(Vcpu& self, const VcpuConfig& config, memory::MemorySystem& memory, memory::AgentId agent,
         std::vector<memory::AgentId> hypervisorAgents, const GuestPhysicalSpace& space, TrapHandler& traps);
    ~Impl();

    void stop(VcpuStop why, std::string description = {});
    std::optional<DataTranslation> translate(std::uint64_t va)
    {
        // The hot path of every access: a hit in m_fast, inline. Everything else is translateSlow().
        const FastTranslation& fast = m_fast[(va >> 12) % m_fast.size()];
        if (fast.vaPage == (va & kPageMask) && fast.generation == m_space.generation())
            return DataTranslation{fast.paPage | (va & 0xfff), fast.type, fast.ipaPage | (va & 0xfff)};
        return translateSlow(va);
    }
    std::optional<DataTranslation> translateSlow(std::uint64_t va);
    bool inRamWindow(std::uint64_t address) const
    {
        return address >= m_config.ramIpa && address - m_config.ramIpa < m_config.ramBytes;
    }
    // Where the engine reads the bytes of `va`: its own page of the mirror inside the RAM window, else the
    // mirror page of its IPA, which onUnmapped() mapped at the VA as an alias.
    std::uint8_t* engineBytes(std::uint64_t va, std::uint64_t ipa) const
    {
        return m_mirror + ((inRamWindow(va) ? va : ipa) - m_config.ramIpa);
    }
    void dropAliases();
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
    void flushTlb()
    {
        m_tlb.clear();
        m_fast.fill(FastTranslation{});
        // Alias pages may now map elsewhere. They cannot be unmapped from inside a hook (the engine may be
        // executing from one), so the slice ends here and run() drops them before the next one.
        if (!m_aliases.empty() && !m_stopRequested) {
            m_aliasesStale = true;
            stop(VcpuStop::BudgetUsed);
        }
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

    void hypercall(std::uint32_t imm);
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
    std::uint8_t* m_mirror = nullptr;
    HcrEl2 m_hcr;
    Stage1Registers m_stage1;
    std::uint64_t m_csselr = 0;
    std::uint64_t m_amair = 0, m_contextidr = 0, m_esr = 0, m_far = 0, m_afsr0 = 0, m_afsr1 = 0;
    struct TlbEntry {
        std::uint64_t ipaPage = 0;
        std::uint8_t mairAttr = 0;
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
    };
    std::array<FastTranslation, 256> m_fast{};
    std::vector<std::uint64_t> m_aliases; // VA pages outside the RAM window mapped onto mirror pages
    // Engine pages the guest stored to since its last IC instruction (see invalidateStoredCode), in store
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
    bool m_aliasesStale = false;

    std::uint64_t m_pc = 0;
    std::uint64_t m_budget = 0;
    std::uint64_t m_sliceInstructions = 0;
    std::uint64_t m_chargedInstructions = 0;
    bool m_stopRequested = false;
    VcpuStop m_stop = VcpuStop::BudgetUsed;
    bool m_exited = false;
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
};

Vcpu::Impl::Impl(Vcpu& self, const VcpuConfig& config, memory::MemorySystem& memory, memory::AgentId agent,
                 std::vector<memory::AgentId> hypervisorAgents, const GuestPhysicalSpace& space, TrapHandler& traps)
    : m_self(self), m_config(config), m_memory(memory), m_agent(agent),
      m_hypervisorAgents(std::move(hypervisorAgents)), m_space(space), m_traps(traps), m_pc(config.entry),
      m_setWayRecorder(config.events != nullptr ? config.events->setWayTrapRecorder() : nullptr)
{
    if (m_hypervisorAgents.size() != memory.topology().cores())
        throw std::invalid_argument(fmt::format("{}: one hypervisor agent per core is needed", config.name));
    if (config.ramBytes == 0 || (config.ramBytes & 0xfff) != 0 || (config.ramIpa & 0xfff) != 0)
        throw std::invalid_argument(fmt::format("{}: guest RAM must be whole 4 KiB pages", config.name));
    if (uc_err err = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &m_uc); err != UC_ERR_OK)
        throw std::runtime_error(fmt::format("{}: cannot create the CPU engine: {}", config.name, uc_strerror(err)));
    // The mirror is reserved, not committed: host memory is spent only on pages the engine touches.
    void* mirror = mmap(nullptr, config.ramBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                        -1, 0);
    if (mirror == MAP_FAILED) {
        uc_close(m_uc);
        throw std::runtime_error(fmt::format("{}: cannot reserve {} bytes for guest RAM", config.name, config.ramBytes));
    }
    m_mirror = static_cast<std::uint8_t*>(mirror);
    const memory::CoreId core = memory.agent(agent).core.value_or(0);
    m_trapSource = {config.vmId, config.index, static_cast<std::uint32_t>(core),
                    static_cast<std::uint32_t>(config.coreMHz)};
    m_trapClock = &memory.coreClock(core);
    // Mapped without write permission: the engine's own stores into the mirror are never needed (loads get
    // the model's bytes from the read hook, instruction fetch gets what the write hook copies), and a
    // writable RAM page costs every store Unicorn 2.0.1's self-modifying-code check (notdirty_write, which
    // allocates and frees a page collection per store, unicorn#1970). A store to a read-only page reaches
    // the write-protection hook instead, and the engine then drops it (TLB_DISCARD_WRITE).
    if (!mapMirror(config.ramIpa, config.ramBytes, m_mirror)) {
        uc_close(m_uc);
        munmap(mirror, config.ramBytes);
        throw std::runtime_error(fmt::format("{}: cannot map guest RAM into the CPU engine", config.name));
    }

    // Every hook is installed before the first uc_emu_start: hooks added later miss translated code
    // (simulators.md 3.3).
    uc_hook hook{};
    auto* user = this;
    uc_hook_add(m_uc, &hook, UC_HOOK_MEM_READ,
                reinterpret_cast<void*>(+[](uc_engine*, uc_mem_type type, std::uint64_t address, int size,
                                            std::int64_t value, void* u) {
                    static_cast<Impl*>(u)->onMemory(type, address, size, value);
                }),
                user, 1, 0);
    uc_hook_add(m_uc, &hook, UC_HOOK_MEM_WRITE_PROT,
                reinterpret_cast<void*>(+[](uc_engine*, uc_mem_type, std::uint64_t address, int size,
                                            std::int64_t value, void* u) {
                    return static_cast<Impl*>(u)->onStore(address, size, value);
                }),
                user, 1, 0);
    uc_hook_add(m_uc, &hook, UC_HOOK_INSN,
                reinterpret_cast<void*>(+[](uc_engine*, uc_arm64_reg reg, const uc_arm64_cp_reg* cp, void* u) {
                    return static_cast<Impl*>(u)->onMrs(reg, *cp);
                }),
                user, 1, 0, UC_ARM64_INS_MRS);
    uc_hook_add(m_uc, &hook, UC_HOOK_INSN,
                reinterpret_cast<void*>(+[](uc_engine*, uc_arm64_reg, const uc_arm64_cp_reg* cp, void* u) {
                    return static_cast<Impl*>(u)->onMsr(*cp);
                }),
                user, 1, 0, UC_ARM64_INS_MSR);
    uc_hook_add(m_uc, &hook, UC_HOOK_INSN,
                reinterpret_cast<void*>(+[](uc_engine*, uc_arm64_reg, const uc_arm64_cp_reg* cp, void* u) {
                    return static_cast<Impl*>(u)->onSys(*cp);
                }),
                user, 1, 0, UC_ARM64_INS_SYS);
    uc_hook_add(m_uc, &hook, UC_HOOK_INTR,
                reinterpret_cast<void*>(+[](uc_engine*, std::uint32_t intno, void* u) {
                    static_cast<Impl*>(u)->onInterrupt(intno);
                }),
                user, 1, 0);
    uc_hook_add(m_uc, &hook, UC_HOOK_MEM_UNMAPPED,
                reinterpret_cast<void*>(+[](uc_engine*, uc_mem_type type, std::uint64_t address, int, std::int64_t,
                                            void* u) {
                    return static_cast<Impl*>(u)->onUnmapped(type, address);
                }),
                user, 1, 0);
    uc_hook_add(m_uc, &hook, UC_HOOK_BLOCK,
                reinterpret_cast<void*>(+[](uc_engine*, std::uint64_t, std::uint32_t size, void* u) {
                    static_cast<Impl*>(u)->onBlock(size);
                }),
                user, 1, 0);
}

Vcpu::Impl::~Impl()
{
    if (m_setWayRecorder != nullptr)
        m_setWayRecorder->release(m_trapSource); // it may be bound to this vCPU's source
    uc_close(m_uc);
    munmap(m_mirror, m_config.ramBytes);
}

std::uint64_t Vcpu::Impl::reg(int id) const
{
    std::uint64_t value = 0;
    uc_reg_read(m_uc, id, &value);
    return value;
}

void Vcpu::Impl::stop(VcpuStop why, std::string description)
{
    if (m_stopRequested)
        return; // the first reason wins
    m_stopRequested = true;
    m_stop = why;
    if (why == VcpuStop::Fault)
        m_fault = fmt::format("{}: {} (pc={:#x})", m_config.name, description, reg(UC_ARM64_REG_PC));
    uc_emu_stop(m_uc);
}

void Vcpu::Impl::emitTvmChange(bool before)
{
    if (m_config.events != nullptr && m_hcr.tvm != before)
        m_config.events->tvmChange(m_self.nowNs(), m_config.vmId, m_config.index, m_hcr.tvm);
}

std::optional<DataTranslation> Vcpu::Impl::translateSlow(std::uint64_t va)
{
    const std::uint64_t vaPage = va & kPageMask;
    FastTranslation& fast = m_fast[(va >> 12) % m_fast.size()];
    std::uint64_t ipa = va;
    std::uint8_t mairAttr = 0;
    if (m_space.removals() != m_tlbRemovals) {
        m_tlb.clear(); // EL2 flushed the VM's TLB entries after removing stage-2 entries
        m_tlbRemovals = m_space.removals();
    }
    if ((m_stage1.sctlr & sctlr::kM) != 0) {
        auto it = m_tlb.find(va >> 12);
        if (it == m_tlb.end()) {
            const MemoryType walkType =
                (m_stage1.sctlr & sctlr::kC) != 0 ? MemoryType::NormalWriteBack : MemoryType::NormalNonCacheable;
            bool walkFault = false;
            const Stage1Walk walk = walkStage1(m_stage1, va, [&](std::uint64_t tableIpa) -> std::uint64_t {
                auto s2 = m_space.translate(tableIpa);
                if (!s2) {
                    // The walk's own access faults at stage 2 too; EL2 may fix it up (access tracking).
                    ++m_trapsTaken;
                    ++m_trapCounts.stage2Fault;
                    emitTrap(tracer::TrapKind::Stage2Fault, 0, tableIpa, 0, 0);
                    m_self.chargeHypervisor(m_config.trapEntryExit);
                    bool fixed = false;
                    handleTrap([&] { fixed = m_traps.onStage2Fault(m_self, tableIpa); });
                    if (fixed)
                        s2 = m_space.translate(tableIpa);
                }
                if (!s2) {
                    walkFault = true;
                    return 0;
                }
                std::array<std::uint8_t, 8> bytes{};
                m_memory.read(m_agent, s2->address, bytes, walkType);
                std::uint64_t descriptor = 0;
                std::memcpy(&descriptor, bytes.data(), 8);
                return descriptor;
            });
            if (walkFault) {
                stop(VcpuStop::Fault, fmt::format("stage-2 abort on a stage-1 table walk for VA {:#x}", va));
                return std::nullopt;
            }
            if (walk.fault) {
                stop(VcpuStop::Fault, fmt::format("stage-1 translation fault for VA {:#x} at level {}: {}", va,
                                                  walk.fault->level, walk.fault->reason));
                return std::nullopt;
            }
            it = m_tlb.emplace(va >> 12, TlbEntry{walk.result->ipa & kPageMask, walk.result->mairAttr}).first;
        }
        ipa = it->second.ipaPage | (va & 0xfff);
        mairAttr = it->second.mairAttr;
    }
    auto s2 = m_space.translate(ipa);
    if (!s2) {
        // A stage-2 fault: EL2 may fix it up (a lazily mapped page, access tracking) and the access retries.
        ++m_trapsTaken;
        ++m_trapCounts.stage2Fault;
        emitTrap(tracer::TrapKind::Stage2Fault, 0, ipa, 0, 0);
        m_self.chargeHypervisor(m_config.trapEntryExit);
        bool fixed = false;
        handleTrap([&] { fixed = m_traps.onStage2Fault(m_self, ipa); });
        if (fixed)
            s2 = m_space.translate(ipa);
    }
    if (!s2) {
        stop(VcpuStop::Fault, fmt::format("stage-2 abort: IPA {:#x} (VA {:#x}) is not mapped in VM {}", ipa, va,
                                          m_config.vmId));
        return std::nullopt;
    }
    const MemoryType s1 = stage1DataType(m_stage1.sctlr, m_hcr.dc, mairAttr);
    const DataTranslation result{s2->address, combineStages(s1, s2->kind, m_hcr.fwb), ipa};
    fast = {vaPage, s2->address & kPageMask, ipa & kPageMask, m_space.generation(), result.type};
    return result;
}

bool Vcpu::Impl::onStore(std::uint64_t address, int size, std::int64_t value)
{
    // Unicorn replays an unaligned store to a page it does not write as `size` byte stores
    // (store_helper's do_unaligned_access), each of which reaches this hook again: the model has had the
    // whole store already.
    if (m_unalignedBytesLeft != 0 && size == 1 && address == m_unalignedNext) {
        --m_unalignedBytesLeft;
        ++m_unalignedNext;
        return true;
    }
    m_unalignedBytesLeft = 0;
    if (size > 1 && (address & static_cast<std::uint64_t>(size - 1)) != 0) {
        m_unalignedBytesLeft = static_cast<std::uint32_t>(size);
        m_unalignedNext = address;
    }
    const std::uint64_t page = address & kPageMask;
    if (page != m_lastStoredPage) {
        m_lastStoredPage = page;
        m_storedPages.push_back(page);
        if (m_storedPages.size() > m_compactStoredPagesAt)
            compactStoredPages();
    }
    onMemory(UC_MEM_WRITE, address, size, value);
    return true; // handled: the engine drops the store, the mirror already has it
}

void Vcpu::Impl::compactStoredPages()
{
    std::sort(m_storedPages.begin(), m_storedPages.end());
    m_storedPages.erase(std::unique(m_storedPages.begin(), m_storedPages.end()), m_storedPages.end());
    m_compactStoredPagesAt = std::max(kCompactStoredPagesAt, 2 * m_storedPages.size()); // amortized
}

void Vcpu::Impl::invalidateStoredCode()
{
    // The engine no longer sees guest stores, so it no longer drops translated code at each store the way
    // QEMU's self-modifying-code check did; the architecture asks the guest for an IC instruction after
    // writing instructions (Arm ARM B2.4.4), and that is when the engine forgets what it translated from
    // the pages written since the last one.
    compactStoredPages();
    for (std::uint64_t page : m_storedPages)
        uc_ctl_remove_cache(m_uc, page, page + 0x1000);
    m_storedPages.clear();
    m_compactStoredPagesAt = kCompactStoredPagesAt;
    m_lastStoredPage = ~std::uint64_t{0};
}

void Vcpu::Impl::onMemorySplit(uc_mem_type type, std::uint64_t address, int size, std::int64_t value)
{
    // Split at the page boundary: each page has its own translation.
    const auto first = static_cast<int>(0x1000 - (address & 0xfff));
    onMemory(type, address, first, value);
    onMemory(type, address + static_cast<std::uint64_t>(first), size - first,
             static_cast<std::int64_t>(static_cast<std::uint64_t>(value) >> (8 * first)));
}

inline void Vcpu::Impl::onMemory(uc_mem_type type, std::uint64_t address, int size, std::int64_t value)
{
    if (m_stopRequested)
        return;
    chargeInstructions();
    const auto length = static_cast<std::uint32_t>(size);
    if ((address & 0xfff) + length > 0x1000) {
        onMemorySplit(type, address, size, value);
        return;
    }
    const auto where = translate(address);
    if (!where)
        return;
    ++m_memoryAccesses;
    if (type == UC_MEM_READ) {
        // The engine loads from its mirror right after this hook: the model's bytes go straight there.
        m_memory.read(m_agent, where->address, std::span(engineBytes(address, where->ipa), length), where->type);
    } else {
        // The value holds at most 8 bytes; those of a wider store beyond them are written as zeros.
        std::array<std::uint8_t, 16> bytes{};
        const auto raw = static_cast<std::uint64_t>(value);
        std::memcpy(bytes.data(), &raw, 8);
        m_memory.write(m_agent, where->address, std::span(bytes.data(), length), where->type);
        // The engine drops the store (its RAM is read-only): the mirror gets it here, for instruction
        // fetch, which reads the mirror (written code runs as the guest wrote it, as before).
        std::memcpy(engineBytes(address, where->ipa), bytes.data(), length);
    }
}

std::uint32_t Vcpu::Impl::onMrs(uc_arm64_reg destination, const uc_arm64_cp_reg& cp)
{
    chargeInstructions();
    const auto reg = decodeRegister({cp.op0, cp.op1, cp.crn, cp.crm, cp.op2});
    if (!reg)
        return 0; // not modelled: Unicorn answers
    const std::uint64_t value = m_self.readRegister(*reg);
    uc_reg_write(m_uc, destination, &value);
    return 1;
}

std::uint32_t Vcpu::Impl::onMsr(const uc_arm64_cp_reg& cp)
{
    chargeInstructions();
    const auto reg = decodeRegister({cp.op0, cp.op1, cp.crn, cp.crm, cp.op2});
    if (!reg)
        return 0;
    if (trappedByTvm(*reg) && m_hcr.tvm) {
        ++m_trapsTaken;
        ++m_trapCounts.tvm;
        if (m_self.cachesOn())
            ++m_trapCounts.tvmAfterCachesOn;
        emitTrap(tracer::TrapKind::VmRegister, static_cast<std::uint32_t>(*reg), 0, m_self.readRegister(*reg), cp.val);
        m_self.chargeHypervisor(m_config.trapEntryExit);
        handleTrap([&] { m_traps.onVmRegisterWrite(m_self, *reg, m_self.readRegister(*reg), cp.val); });
    } else {
        m_self.writeRegister(*reg, cp.val);
    }
    return 1; // the engine's own copy is never written: its MMU stays off
}

std::uint32_t Vcpu::Impl::onSys(const uc_arm64_cp_reg& cp)
{
    chargeInstructions();
    const auto op = decodeOperation({cp.op0, cp.op1, cp.crn, cp.crm, cp.op2});
    if (!op)
        return 0;
    using memory::ByAddressOp;
    using memory::SetWayOp;
    auto setWay = [&](SetWayOp swOp) {
        if (m_hcr.tsw) {
            ++m_trapsTaken;
            ++m_trapCounts.setWay;
            emitSetWayTrap(swOp, cp.val);
            m_self.chargeHypervisor(m_config.trapEntryExit);
            handleTrap([&] { m_traps.onSetWay(m_self, swOp, cp.val); });
        } else {
            m_self.executeSetWay(swOp, cp.val);
        }
    };
    auto byAddress = [&](ByAddressOp vaOp) {
        if (const auto where = translate(cp.val))
            m_memory.maintainByAddress(m_agent, vaOp, where->address, where->type);
    };
    switch (*op) {
    case SystemOperation::DcIsw:
        setWay(SetWayOp::Invalidate);
        break;
    case SystemOperation::DcCsw:
        setWay(SetWayOp::Clean);
        break;
    case SystemOperation::DcCisw:
        setWay(SetWayOp::CleanInvalidate);
        break;
    case SystemOperation::DcIvac:
        // D7.5.9.2: at EL1 with HCR_EL2.VM = 1, DC IVAC performs a clean and invalidate.
        byAddress(m_hcr.vm ? ByAddressOp::CleanInvalidateToPoC : ByAddressOp::InvalidateToPoC);
        break;
    case SystemOperation::DcCvac:
    case SystemOperation::DcCvap:
        byAddress(ByAddressOp::CleanToPoC);
        break;
    case SystemOperation::DcCivac:
        byAddress(ByAddressOp::CleanInvalidateToPoC);
        break;
    case SystemOperation::DcCvau:
        byAddress(ByAddressOp::CleanToPoU);
        break;
    case SystemOperation::DcZva:
        if (const auto where = translate(cp.val & ~std::uint64_t{m_memory.topology().lineBytes - 1})) {
            if (where->type == MemoryType::Device)
                stop(VcpuStop::Fault, "DC ZVA to Device memory: alignment fault (not delivered to the guest)");
            else
                m_memory.maintainByAddress(m_agent, ByAddressOp::ZeroBlock, where->address, where->type);
        }
        break;
    case SystemOperation::Tlbi:
        flushTlb();
        break;
    case SystemOperation::IcIalluis:
    case SystemOperation::IcIallu:
    case SystemOperation::IcIvau:
        // The model has no I-cache (instruction fetch reads the mirror); what the engine translated from
        // pages the guest wrote is dropped.
        invalidateStoredCode();
        break;
    }
    return 1;
}

void Vcpu::Impl::onInterrupt(std::uint32_t intno)
{
    chargeInstructions();
    const std::uint64_t pc = reg(UC_ARM64_REG_PC);
    std::uint32_t insn = 0;
    uc_mem_read(m_uc, pc, &insn, 4); // through the engine's own mapping: pc may be an alias
    if (intno == kExceptionUndefined && (insn & kHvcMask) == kHvcBits) {
        hypercall((insn >> 5) & 0xffffu);
        const std::uint64_t next = pc + 4;
        uc_reg_write(m_uc, UC_ARM64_REG_PC, &next);
        return;
    }
    stop(VcpuStop::Fault, fmt::format("{} (instruction {:#010x}) is not delivered to the guest by this model",
                                      exceptionName(intno), insn));
}

void Vcpu::Impl::onBlock(std::uint32_t size)
{
    // Counting per translated block keeps instruction accounting deterministic without a per-instruction
    // hook (which uc_emu_start's count argument would install, simulators.md 3.4).
    if (m_stopRequested) {
        // Unicorn 2.0.1 drops a stop requested from the interrupt hook (HVC) once the exception is handled;
        // asking again at the next block makes it stick.
        uc_emu_stop(m_uc);
        return;
    }
    m_sliceInstructions += size / 4;
    if (m_sliceInstructions >= m_budget && !m_stopRequested)
        stop(VcpuStop::BudgetUsed);
}

bool Vcpu::Impl::onUnmapped(uc_mem_type type, std::uint64_t address)
{
    // The engine maps only the RAM window at its IPAs. A VA elsewhere that the guest's stage 1 maps onto
    // RAM becomes an alias of that mirror page (and the access is retried); anything else is a stage-1 or
    // stage-2 fault, which translate() reports, or an IPA the model does not emulate (MMIO).
    const auto where = translate(address);
    if (!where)
        return false;
    if (!inRamWindow(where->ipa) || inRamWindow(address)) {
        stop(VcpuStop::Fault, fmt::format("{} at {:#x} (IPA {:#x}): outside the guest RAM window (MMIO is not "
                                          "modelled)",
                                          type == UC_MEM_FETCH_UNMAPPED ? "instruction fetch" : "data access",
                                          address, where->ipa));
        return false;
    }
    const std::uint64_t vaPage = address & kPageMask;
    if (!mapMirror(vaPage, 0x1000, m_mirror + ((where->ipa & kPageMask) - m_config.ramIpa))) {
        stop(VcpuStop::Fault, fmt::format("cannot map VA {:#x} as an alias of IPA {:#x}", vaPage, where->ipa));
        return false;
    }
    m_aliases.push_back(vaPage);
    return true;
}

void Vcpu::Impl::dropAliases()
{
    for (std::uint64_t page : m_aliases)
        uc_mem_unmap(m_uc, page, 0x1000);
    m_aliases.clear();
    m_aliasesStale = false;
}

std::optional<std::string> Vcpu::Impl::readGuestString(std::uint64_t va, std::uint64_t length, bool stopAtNul)
{
    // The guest's own view (its agent, its memory type), not the hypervisor's cacheable map: Xen's ABI
    // requires hypercall buffers in Normal cacheable memory, and a guest with caches off breaks that rule,
    // so copy_from_guest would read stale data and allocate lines the experiment never asked for. The
    // console is a debug channel and must not perturb what it reports on.
    std::string text;
    for (std::uint64_t i = 0; i < length; ++i) {
        const auto where = translate(va + i);
        if (!where)
            return std::nullopt;
        std::uint8_t byte = 0;
        m_memory.read(m_agent, where->address, std::span(&byte, 1), where->type);
        if (stopAtNul && byte == 0)
            break;
        text.push_back(static_cast<char>(byte));
    }
    return text;
}

void Vcpu::Impl::hypercall(std::uint32_t imm)
{
    switch (imm) {
    case VCM_HVC_EXIT:
        m_exited = true;
        m_exitCode = reg(UC_ARM64_REG_X0);
        stop(VcpuStop::Exited);
        return;
    case VCM_HVC_CONSOLE_WRITE: {
        const std::uint64_t length = reg(UC_ARM64_REG_X1);
        if (length > kMaxConsoleWrite) {
            stop(VcpuStop::Fault, fmt::format("console write of {} bytes exceeds {}", length, kMaxConsoleWrite));
            return;
        }
        if (auto text = readGuestString(reg(UC_ARM64_REG_X0), length, false)) {
            m_console += *text;
            if (m_config.events != nullptr)
                m_config.events->console(m_self.nowNs(), m_config.vmId, m_config.index, *text);
        }
        return;
    }
    case VCM_HVC_MARKER:
        if (auto name = readGuestString(reg(UC_ARM64_REG_X0), kMaxMarker, true))
        {
            m_markers.push_back({m_memory.coreTime(m_self.core()), *name});
            if (m_config.events != nullptr)
                m_config.events->marker(m_self.nowNs(), m_config.vmId, m_config.index, *name);
            if (m_markerReached)
                m_markerReached(m_markers.back());
        }
        return;
    case VCM_HVC_YIELD:
        stop(VcpuStop::Yielded);
        return;
    default:
        stop(VcpuStop::Fault, fmt::format("unknown hypercall HVC #{:#x}", imm));
    }
}

// ------------------------------------------------------------------------------------------------------

Vcpu::Vcpu(const VcpuConfig& config, memory::MemorySystem& memory, memory::AgentId agent,
           std::vector<memory::AgentId> hypervisorAgents, const GuestPhysicalSpace& space, TrapHandler& traps)
    : m_impl(std::make_unique<Impl>(*this, config, memory, agent, std::move(hypervisorAgents), space, traps))
{
}

Vcpu::~Vcpu() = default;

const VcpuConfig& Vcpu::config() const
{
    return m_impl->m_config;
}

memory::AgentId Vcpu::agent() const
{
    return m_impl->m_agent;
}

memory::CoreId Vcpu::core() const
{
    return *m_impl->m_memory.agent(m_impl->m_agent).core;
}

void Vcpu::setCore(memory::CoreId core)
{
    m_impl->m_memory.moveAgent(m_impl->m_agent, core);
    if (m_impl->m_setWayRecorder != nullptr)
        m_impl->m_setWayRecorder->flush(); // traps on the old core end their batch (see SetWayTrapRecorder::bind)
    m_impl->m_trapSource.core = static_cast<std::uint32_t>(core);
    m_impl->m_trapClock = &m_impl->m_memory.coreClock(core);
}

void Vcpu::refreshInstructions(std::uint64_t ipa, std::uint64_t length)
{
    Impl& impl = *m_impl;
    for (std::uint64_t page = ipa & kPageMask; page < ipa + length; page += 0x1000) {
        const auto s2 = impl.m_space.lookup(page);
        if (!s2 || page < impl.m_config.ramIpa || page - impl.m_config.ramIpa >= impl.m_config.ramBytes)
            continue;
        impl.m_memory.peekRam(s2->address, std::span(impl.m_mirror + (page - impl.m_config.ramIpa), 0x1000));
    }
    uc_ctl_remove_cache(impl.m_uc, ipa, ipa + length);
}

VcpuRun Vcpu::run(std::uint64_t instructionBudget)
{
    Impl& impl = *m_impl;
    VcpuRun result;
    if (impl.m_exited || !impl.m_fault.empty()) {
        result.stop = impl.m_exited ? VcpuStop::Exited : VcpuStop::Fault;
        return result;
    }
    impl.m_budget = instructionBudget;
    impl.m_sliceInstructions = 0;
    impl.m_chargedInstructions = 0;
    impl.m_stopRequested = false;
    impl.m_stop = VcpuStop::BudgetUsed;
    if (impl.m_setWayRecorder != nullptr)
        impl.m_setWayRecorder->bind(impl.m_trapSource); // the set/way traps of this slice are this vCPU's
    const uc_err err = uc_emu_start(impl.m_uc, impl.m_pc, kNeverExecuted, 0, 0);
    impl.m_pc = impl.reg(UC_ARM64_REG_PC);
    if (impl.m_aliasesStale)
        impl.dropAliases();
    if (err != UC_ERR_OK && !impl.m_stopRequested)
        impl.stop(VcpuStop::Fault, fmt::format("guest fault: {}", uc_strerror(err)));
    result.stop = impl.m_stop;
    result.instructions = impl.m_sliceInstructions;
    impl.chargeInstructions(); // the rest of the slice
    return result;
}

const HcrEl2& Vcpu::hcr() const
{
    return m_impl->m_hcr;
}

void Vcpu::setHcr(const HcrEl2& value)
{
    Impl& impl = *m_impl;
    if (value.vm != impl.m_hcr.vm || value.dc != impl.m_hcr.dc || value.fwb != impl.m_hcr.fwb)
        impl.m_fast.fill(Impl::FastTranslation{}); // complete translations carry the memory type
    impl.m_hcr = value;
}

const Stage1Registers& Vcpu::stage1() const
{
    return m_impl->m_stage1;
}

void Vcpu::writeRegister(SystemRegister reg, std::uint64_t value)
{
    Impl& impl = *m_impl;
    switch (reg) {
    case SystemRegister::SctlrEl1: {
        const auto cachesOn = [](std::uint64_t v) { return (v & sctlr::kM) != 0 && (v & sctlr::kC) != 0; };
        const bool wasOn = cachesOn(impl.m_stage1.sctlr);
        if (impl.m_config.events != nullptr && value != impl.m_stage1.sctlr)
            impl.m_config.events->sctlrChange(nowNs(), impl.m_config.vmId, impl.m_config.index, impl.m_stage1.sctlr,
                                              value);
        impl.m_stage1.sctlr = value;
        impl.flushTlb();
        if (wasOn != cachesOn(value) && impl.m_cacheStateChanged)
            impl.m_cacheStateChanged(cachesOn(value));
        break;
    }
    case SystemRegister::Ttbr0El1:
        impl.m_stage1.ttbr0 = value;
        impl.flushTlb();
        break;
    case SystemRegister::Ttbr1El1:
        impl.m_stage1.ttbr1 = value;
        impl.flushTlb();
        break;
    case SystemRegister::TcrEl1:
        impl.m_stage1.tcr = value;
        impl.flushTlb();
        break;
    case SystemRegister::MairEl1:
        impl.m_stage1.mair = value;
        impl.flushTlb();
        break;
    case SystemRegister::AmairEl1:
        impl.m_amair = value;
        break;
    case SystemRegister::ContextidrEl1:
        impl.m_contextidr = value;
        break;
    case SystemRegister::EsrEl1:
        impl.m_esr = value;
        break;
    case SystemRegister::FarEl1:
        impl.m_far = value;
        break;
    case SystemRegister::Afsr0El1:
        impl.m_afsr0 = value;
        break;
    case SystemRegister::Afsr1El1:
        impl.m_afsr1 = value;
        break;
    case SystemRegister::CsselrEl1:
        impl.m_csselr = value & 0x1f;
        break;
    case SystemRegister::ClidrEl1:
    case SystemRegister::CcsidrEl1:
    case SystemRegister::CtrEl0:
    case SystemRegister::CntfrqEl0:
    case SystemRegister::CntvctEl0:
        break; // read-only at EL1: a write is ignored here (the architecture makes it UNDEFINED)
    }
}

std::uint64_t Vcpu::readRegister(SystemRegister reg) const
{
    const Impl& impl = *m_impl;
    const auto& topology = impl.m_memory.topology();
    switch (reg) {
    case SystemRegister::SctlrEl1:
        return impl.m_stage1.sctlr;
    case SystemRegister::Ttbr0El1:
        return impl.m_stage1.ttbr0;
    case SystemRegister::Ttbr1El1:
        return impl.m_stage1.ttbr1;
    case SystemRegister::TcrEl1:
        return impl.m_stage1.tcr;
    case SystemRegister::MairEl1:
        return impl.m_stage1.mair;
    case SystemRegister::AmairEl1:
        return impl.m_amair;
    case SystemRegister::ContextidrEl1:
        return impl.m_contextidr;
    case SystemRegister::EsrEl1:
        return impl.m_esr;
    case SystemRegister::FarEl1:
        return impl.m_far;
    case SystemRegister::Afsr0El1:
        return impl.m_afsr0;
    case SystemRegister::Afsr1El1:
        return impl.m_afsr1;
    case SystemRegister::CsselrEl1:
        return impl.m_csselr;
    case SystemRegister::ClidrEl1:
        return memory::clidrEl1(topology);
    case SystemRegister::CcsidrEl1:
        return memory::ccsidrEl1(topology, impl.m_csselr);
    case SystemRegister::CtrEl0:
        return memory::ctrEl0(topology);
    case SystemRegister::CntfrqEl0:
        return 62'500'000;
    case SystemRegister::CntvctEl0:
        // Modelled time of the core the vCPU runs on (CNTVOFF_EL2 = 0): deterministic, unlike the host clock.
        return impl.m_memory.coreTime(*impl.m_memory.agent(impl.m_agent).core) / impl.m_config.cyclesPerCounterTick;
    }
    return 0;
}

memory::MaintenanceResult Vcpu::executeSetWay(memory::SetWayOp op, std::uint64_t operand)
{
    // D7.5.9.2: at EL1, DC ISW performs DC CISW when HCR_EL2.SWIO or HCR_EL2.VM is set.
    if (op == memory::SetWayOp::Invalidate && (m_impl->m_hcr.swio || m_impl->m_hcr.vm))
        op = memory::SetWayOp::CleanInvalidate;
    return m_impl->m_memory.maintainBySetWay(m_impl->m_agent, op, operand);
}

void Vcpu::chargeHypervisor(Cycles cycles)
{
    m_impl->m_memory.advanceCore(core(), cycles);
}

bool Vcpu::exited() const
{
    return m_impl->m_exited;
}

std::uint64_t Vcpu::exitCode() const
{
    return m_impl->m_exitCode;
}

const std::string& Vcpu::console() const
{
    return m_impl->m_console;
}

const std::vector<Marker>& Vcpu::markers() const
{
    return m_impl->m_markers;
}

const std::string& Vcpu::faultDescription() const
{
    return m_impl->m_fault;
}

std::uint64_t Vcpu::trapCount() const
{
    return m_impl->m_trapsTaken;
}

const TrapCounts& Vcpu::traps() const
{
    return m_impl->m_trapCounts;
}

std::uint64_t Vcpu::nowNs() const
{
    return m_impl->m_memory.coreTime(core()) * 1000 / m_impl->m_config.coreMHz;
}

void Vcpu::exitToHypervisor()
{
    m_impl->stop(VcpuStop::Hypervisor);
}

bool Vcpu::cachesOn() const
{
    const std::uint64_t value = m_impl->m_stage1.sctlr;
    return (value & sctlr::kM) != 0 && (value & sctlr::kC) != 0;
}

bool Vcpu::bypassesCaches() const
{
    const MemoryType s1 = stage1DataType(m_impl->m_stage1.sctlr, m_impl->m_hcr.dc, /*Normal WB*/ 0xff);
    return !memory::isCacheable(combineStages(s1, Stage2MemoryKind::Ram, m_impl->m_hcr.fwb));
}

void Vcpu::onCacheStateChange(std::function<void(bool cachesOn)> callback)
{
    m_impl->m_cacheStateChanged = std::move(callback);
}

void Vcpu::onMarker(std::function<void(const Marker&)> callback)
{
    m_impl->m_markerReached = std::move(callback);
}

std::uint64_t Vcpu::memoryAccesses() const
{
    return m_impl->m_memoryAccesses;
}

} // namespace vcm::hyp::cpu

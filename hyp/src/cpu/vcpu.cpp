// The vCPU on Unicorn: the engine and its hooks, slices, and the public API (TrapHandler's defaults too).
#include "vcpu_impl.h"

#include "vcm/hyp/memory/id_registers.h"

#include <sys/mman.h>

namespace vcm::hyp::cpu {

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

std::uint64_t TrapHandler::onCacheIdRegister(Vcpu& vcpu, SystemRegister reg, std::optional<std::uint64_t> written)
{
    if (written)
        vcpu.writeRegister(reg, *written);
    return vcpu.readRegister(reg);
}

Vcpu::Impl::Impl(Vcpu& self, const VcpuConfig& config, memory::MemorySystem& memory, memory::AgentId agent,
                 std::vector<memory::AgentId> hypervisorAgents, const GuestPhysicalSpace& space, TrapHandler& traps)
    : m_self(self), m_config(config), m_memory(memory), m_agent(agent),
      m_hypervisorAgents(std::move(hypervisorAgents)), m_space(space), m_traps(traps), m_pc(config.entry),
      m_interrupts(config.board != nullptr ? config.board->interruptController() : nullptr),
      m_setWayRecorder(config.events != nullptr ? config.events->setWayTrapRecorder() : nullptr)
{
    if (m_hypervisorAgents.size() != memory.topology().cores())
        throw std::invalid_argument(fmt::format("{}: one hypervisor agent per core is needed", config.name));
    if (config.ramBytes == 0 || (config.ramBytes & 0xfff) != 0 || (config.ramIpa & 0xfff) != 0)
        throw std::invalid_argument(fmt::format("{}: guest RAM must be whole 4 KiB pages", config.name));
    // The VM's mirror, shared by its vCPUs (guest_ram_mirror.h); a vCPU made on its own has its own.
    m_mirrorOwner = config.mirror != nullptr ? config.mirror : std::make_shared<GuestRamMirror>(config.ramBytes);
    if (m_mirrorOwner->size() != config.ramBytes)
        throw std::invalid_argument(fmt::format("{}: the mirror holds {} bytes, guest RAM is {}", config.name,
                                                m_mirrorOwner->size(), config.ramBytes));
    m_mirror = m_mirrorOwner->data();
    if (uc_err err = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &m_uc); err != UC_ERR_OK)
        throw std::runtime_error(fmt::format("{}: cannot create the CPU engine: {}", config.name, uc_strerror(err)));
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
        throw std::runtime_error(fmt::format("{}: cannot map guest RAM into the CPU engine", config.name));
    }
    m_poweredOn = config.startsOn;
    uc_reg_write(m_uc, UC_ARM64_REG_X0, &config.entryX0);
    try {
        mapBoard();
    } catch (...) { // mapBoard releases its own windows
        uc_close(m_uc);
        throw;
    }
    try {
        setUpEngine();
    } catch (...) {
        releaseDeviceWindows();
        uc_close(m_uc);
        throw;
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
    uc_hook_add(m_uc, &hook, UC_HOOK_MEM_FETCH_PROT,
                reinterpret_cast<void*>(+[](uc_engine*, uc_mem_type, std::uint64_t address, int, std::int64_t,
                                            void* u) {
                    return static_cast<Impl*>(u)->onFetchFromPlaceholder(address);
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
    releaseDeviceWindows();
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
    if (why == VcpuStop::Fault) {
        const std::uint64_t pc = reg(UC_ARM64_REG_PC);
        m_fault = fmt::format("{}: {} (pc={:#x})", m_config.name, description, pc);
        // A fault in the vector table (or fetching it) follows an exception delivered there: name that one too.
        if (!m_lastException.empty() && pc - reg(UC_ARM64_REG_VBAR_EL1) < 0x800)
            m_fault += fmt::format(", in the exception vectors after {}", m_lastException);
    }
    uc_emu_stop(m_uc);
}

void Vcpu::Impl::emitTvmChange(bool before)
{
    if (m_config.events != nullptr && m_hcr.tvm != before)
        m_config.events->tvmChange(m_self.nowNs(), m_config.vmId, m_config.index, m_hcr.tvm);
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
    if (m_pendingAbort) [[unlikely]] {
        abortNotTaken();
        return;
    }
    m_sliceInstructions += size / 4;
    if (m_sliceInstructions >= m_budget && !m_stopRequested)
        stop(VcpuStop::BudgetUsed);
    else if (m_irqWaiting && (reg(UC_ARM64_REG_PSTATE) & kPstateI) == 0) [[unlikely]]
        stop(VcpuStop::BudgetUsed); // unmasked: the IRQ is taken at the start of the next slice
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
    std::vector<std::uint64_t> pages;
    for (std::uint64_t page = ipa & kPageMask; page < ipa + length; page += 0x1000) {
        const auto s2 = impl.m_space.lookup(page);
        if (!s2 || !impl.inRamWindow(page))
            continue;
        impl.m_memory.peekRam(s2->address, std::span(impl.engineBytes(page), 0x1000));
        pages.push_back(page);
    }
    impl.invalidateTranslatedCode(std::move(pages));
}

VcpuRun Vcpu::run(std::uint64_t instructionBudget)
{
    Impl& impl = *m_impl;
    VcpuRun result;
    if (impl.m_exited || !impl.m_fault.empty()) {
        result.stop = impl.m_exited ? VcpuStop::Exited : VcpuStop::Fault;
        return result;
    }
    if (!impl.m_poweredOn) {
        result.stop = VcpuStop::PoweredOff;
        return result;
    }
    impl.m_budget = instructionBudget;
    impl.m_sliceInstructions = 0;
    impl.m_chargedInstructions = 0;
    impl.m_stopRequested = false;
    impl.m_stop = VcpuStop::BudgetUsed;
    if (impl.m_setWayRecorder != nullptr)
        impl.m_setWayRecorder->bind(impl.m_trapSource); // the set/way traps of this slice are this vCPU's
    impl.applyRemoteMaintenance();
    if (impl.m_interrupts != nullptr) {
        impl.m_waitingForEvent = false;
        impl.takePendingInterrupt();
        impl.m_irqWaiting = impl.m_interrupts->irqSignalled(impl.m_config.index);
        impl.m_budget = impl.sliceUntilTimer(instructionBudget);
    }
    const uc_err err = uc_emu_start(impl.m_uc, impl.m_pc, kNeverExecuted, 0, 0);
    impl.m_pc = impl.reg(UC_ARM64_REG_PC);
    // The engine returns by itself, with no stop asked for, only after WFI or WFE (QEMU's EXCP_HLT).
    if (err == UC_ERR_OK && !impl.m_stopRequested)
        impl.onWaitForInterrupt();
    if (err == UC_ERR_OK && !impl.m_stopRequested && impl.m_pendingAbort)
        impl.abortNotTaken(); // the slice ended before another hook could see it
    if (err != UC_ERR_OK && !impl.m_stopRequested && impl.m_pendingAbort)
        impl.deliverPendingAbort(); // the slice ends here; the next one starts in the guest's vector
    else if (err != UC_ERR_OK && !impl.m_stopRequested)
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

bool Vcpu::systemOffRequested() const
{
    return m_impl->m_poweredOff;
}

bool Vcpu::systemResetRequested() const
{
    return m_impl->m_resetRequested;
}

bool Vcpu::poweredOn() const
{
    return m_impl->m_poweredOn;
}

bool Vcpu::powerOn(std::uint64_t entry, std::uint64_t context)
{
    Impl& impl = *m_impl;
    if (impl.m_poweredOn || impl.m_exited)
        return false;
    impl.m_poweredOn = true;
    impl.m_pc = entry;
    uc_reg_write(impl.m_uc, UC_ARM64_REG_X0, &context);
    // PSCI 1.0 6.4.3: the CPU starts in the caller's exception level with MMU and caches off.
    if ((impl.m_stage1.sctlr & (sctlr::kM | sctlr::kC)) != 0)
        writeRegister(SystemRegister::SctlrEl1, impl.m_stage1.sctlr & ~(sctlr::kM | sctlr::kC));
    return true;
}

std::uint64_t Vcpu::mpidr() const
{
    // KVM's reset_mpidr: Aff0 = vCPU id bits [3:0], Aff1 = bits [11:4]; bit 31 is RES1.
    const std::uint32_t id = m_impl->m_config.index;
    return (std::uint64_t{1} << 31) | ((std::uint64_t{id} >> 4 & 0xff) << 8) | (id & 0xf);
}

std::uint64_t Vcpu::counter() const
{
    return m_impl->m_memory.coreTime(core()) / m_impl->m_config.cyclesPerCounterTick;
}

const GenericTimer& Vcpu::timer() const
{
    return m_impl->m_timer;
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

void Vcpu::refuseTrappedInstruction()
{
    m_impl->m_refuseTrapped = true;
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

void Vcpu::onBroadcastMaintenance(std::function<void(const BroadcastMaintenance&)> callback)
{
    m_impl->m_broadcast = std::move(callback);
}

void Vcpu::receiveMaintenance(const BroadcastMaintenance& maintenance)
{
    Impl& impl = *m_impl;
    impl.m_remoteTlbInvalidate = impl.m_remoteTlbInvalidate || maintenance.tlb;
    impl.m_remoteCodePages.insert(impl.m_remoteCodePages.end(), maintenance.codePages.begin(),
                                  maintenance.codePages.end());
}

void Vcpu::Impl::applyRemoteMaintenance()
{
    if (m_remoteTlbInvalidate) {
        flushTlb();
        flushEngineTlb();
        m_remoteTlbInvalidate = false;
    }
    if (!m_remoteCodePages.empty()) {
        std::sort(m_remoteCodePages.begin(), m_remoteCodePages.end());
        m_remoteCodePages.erase(std::unique(m_remoteCodePages.begin(), m_remoteCodePages.end()), m_remoteCodePages.end());
        invalidateTranslatedCode(std::move(m_remoteCodePages));
        m_remoteCodePages.clear();
    }
}

std::uint64_t Vcpu::memoryAccesses() const
{
    return m_impl->m_memoryAccesses;
}

} // namespace vcm::hyp::cpu

// The machine: VMs over the memory system, speculation through the hypervisor's map, bypassing observers
// for caches-off vCPUs, and the deterministic slice scheduler with migrations, ticks and latency accounting.
#include "vcm/hyp/machine.h"

#include "vcm/hyp/psci.h"

#include "vcm/hyp/board/board_bus.h"
#include "vcm/hyp/board/guest_port.h"
#include "vcm/hyp/guest_abi.h"

#include <fmt/core.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>

namespace vcm::hyp {
namespace {

// A VM's guest-physical space through its stage-2 table.
class VmSpace final : public cpu::GuestPhysicalSpace {
public:
    explicit VmSpace(const vm::Stage2Table& table) : m_table(table) {}
    std::optional<cpu::Stage2Translation> translate(std::uint64_t ipa) const override
    {
        const vm::Gfn gfn = ipa >> 12;
        const auto entry = m_table.lookup(gfn); // one walk: the leaf gives the mfn, the type and the valid bit
        if (!entry || !entry->valid)
            return std::nullopt;
        const vm::Mfn mfn = entry->mfn + (gfn - entry->gfn);
        const auto kind = entry->type == vm::Stage2Type::Mmio ? cpu::Stage2MemoryKind::Mmio : cpu::Stage2MemoryKind::Ram;
        return cpu::Stage2Translation{(mfn << 12) | (ipa & 0xfff), kind};
    }
    std::uint64_t generation() const override { return m_table.generation(); }
    std::uint64_t removals() const override { return m_table.removals(); }
    // The hypervisor's and the toolstack's view: a p2m lookup, which does not care about the valid bit the
    // guest's hardware walk uses for access tracking.
    std::optional<cpu::Stage2Translation> lookup(std::uint64_t ipa) const override
    {
        const vm::Gfn gfn = ipa >> 12;
        const auto entry = m_table.lookup(gfn);
        if (!entry)
            return std::nullopt;
        return cpu::Stage2Translation{((entry->mfn + (gfn - entry->gfn)) << 12) | (ipa & 0xfff),
                                      entry->type == vm::Stage2Type::Mmio ? cpu::Stage2MemoryKind::Mmio
                                                                          : cpu::Stage2MemoryKind::Ram};
    }

private:
    const vm::Stage2Table& m_table;
};

struct VcpuState {
    std::unique_ptr<cpu::Vcpu> vcpu;
    cpu::TrapHandler* traps = nullptr;
    struct VirtualMachine* owner = nullptr;
    bool pinned = false;
    std::optional<memory::ObserverId> observer; // registered while the caches are off
    std::optional<memory::CoreId> pendingMigration;
    memory::Cycles enqueuedAt = 0;
    std::uint64_t instructions = 0;
    std::uint64_t migrations = 0;
    std::uint64_t slices = 0;
    memory::Cycles maxLatency = 0;
    std::vector<memory::CoreId> coresVisited;
    std::string hang; // why the run ended with it asleep and nothing left to wake it
};

struct VirtualMachine {
    VmSpec spec;
    vm::Stage2Table stage2;
    std::unique_ptr<VmSpace> space;
    std::unique_ptr<Psci> psci;
    std::shared_ptr<cpu::GuestRamMirror> mirror; // what its vCPUs' engines read and fetch
    // A VM without a board of its own still has vcm's guest port (guest_abi.h): its board is this one.
    board::GuestPort guestPort;
    std::unique_ptr<board::BoardBus> portOnlyBoard;
    std::vector<std::unique_ptr<VcpuState>> vcpus;
    bool switchedOff = false; // PSCI SYSTEM_OFF or SYSTEM_RESET: its vCPUs run no more
    bool reset = false;       // ... and it was SYSTEM_RESET
};

tracer::ValueSourceKind sourceKind(const memory::ValueSource& source)
{
    if (source.fromRam)
        return tracer::ValueSourceKind::Ram;
    switch (source.cache.level) {
    case memory::CacheLevel::L1:
        return tracer::ValueSourceKind::L1;
    case memory::CacheLevel::L2:
        return tracer::ValueSourceKind::L2;
    case memory::CacheLevel::SystemCache:
        return tracer::ValueSourceKind::SystemCache;
    }
    return tracer::ValueSourceKind::Nowhere;
}

// Forwards the coherence oracle's records to the event sink, in nanoseconds.
static_assert(static_cast<int>(tracer::AgentRole::Toolstack) == static_cast<int>(memory::AgentKind::Toolstack) &&
              static_cast<int>(tracer::AgentRole::Device) == static_cast<int>(memory::AgentKind::Device));
static_assert(static_cast<int>(tracer::MaintenanceOp::DcZva) == static_cast<int>(memory::ByAddressOp::ZeroBlock) &&
              static_cast<int>(tracer::MaintenanceOp::DcCisw) == 5 + static_cast<int>(memory::SetWayOp::CleanInvalidate));

class CoherenceTracer final : public memory::CoherenceListener {
public:
    CoherenceTracer(tracer::EventSink& sink, std::uint64_t coreMHz) : m_sink(sink), m_coreMHz(coreMHz) {}
    void onAgentAdded(memory::AgentId id, memory::AgentKind kind, const std::string& name,
                      std::optional<memory::CoreId> core) override
    {
        m_sink.agent(id, static_cast<tracer::AgentRole>(kind), name, core ? static_cast<std::int32_t>(*core) : -1);
    }
    void onMaintenance(const memory::MaintenanceReport& m) override
    {
        const auto op = static_cast<tracer::MaintenanceOp>(m.bySetWay ? 5 + m.op : m.op);
        m_sink.maintenance(ns(m.time), m.agent, m.core ? static_cast<std::int32_t>(*m.core) : -1, op, m.address,
                           m.bytes, m.linesCleaned, m.linesInvalidated, m.dirtyDiscarded);
    }
    void onStaleRead(const memory::StaleRead& r) override
    {
        tracer::StaleReadEvent e;
        e.vtimeNs = ns(r.time);
        e.agent = r.agent;
        e.core = r.core ? static_cast<std::int32_t>(*r.core) : -1;
        e.address = r.address;
        e.staleWords = r.staleWords;
        e.versionReturned = r.versionReturned;
        e.latestVersion = r.latestVersion;
        e.latestWriter = r.latestWriter;
        e.latestWriteNs = ns(r.latestWrittenAt);
        e.source = sourceKind(r.source);
        e.sourceInstance = r.source.cache.instance;
        e.latestHeldIn = r.latestHeldIn ? sourceKind(*r.latestHeldIn) : tracer::ValueSourceKind::Nowhere;
        e.heldInstance = r.latestHeldIn ? r.latestHeldIn->cache.instance : 0;
        m_sink.staleRead(e);
    }
    void onClobber(const memory::Clobber& c) override
    {
        tracer::ClobberEvent e;
        e.vtimeNs = ns(c.time);
        e.address = c.address;
        e.words = c.clobberedWords;
        e.origin = sourceKind({false, c.origin});
        e.originInstance = c.origin.instance;
        e.lineVersion = c.lineVersion;
        e.overwrittenVersion = c.overwrittenVersion;
        if (c.overwrittenWrite) {
            e.overwrittenWriteKnown = true;
            e.overwrittenWriter = c.overwrittenWrite->writer;
            e.overwrittenWriteNs = ns(c.overwrittenWrite->time);
        }
        e.cause = c.cause;
        m_sink.clobber(e);
    }
    void onStaleWindowOpened(const memory::StaleWindowOpened& o) override
    {
        std::string observers;
        for (const std::string& name : o.observers)
            observers += (observers.empty() ? "" : ", ") + name;
        m_sink.staleWindowOpen(ns(o.time), o.page, observers, o.cause);
    }
    void onStaleWindowClosed(const memory::StaleWindowClosed& c) override
    {
        m_sink.staleWindowClose(ns(c.time), c.page, c.resolvedBy);
    }

private:
    std::uint64_t ns(memory::Cycles cycles) const { return cycles * 1000 / m_coreMHz; }
    tracer::EventSink& m_sink;
    std::uint64_t m_coreMHz;
};

} // namespace

class Machine::Impl final : public PsciPowerControl {
public:
    // The preemption query of one core, answered from the scheduler's state.
    class CoreQuery final : public cpu::PreemptionQuery {
    public:
        CoreQuery(const Impl& impl, memory::CoreId core) : m_impl(impl), m_core(core) {}
        bool workPending() const override
        {
            return m_impl.m_memory.coreTime(m_core) >= m_impl.m_nextTick[m_core] || !m_impl.m_queues[m_core].empty();
        }
        memory::Cycles pendingSince() const override
        {
            memory::Cycles since = ~memory::Cycles{0};
            if (m_impl.m_nextTick[m_core] <= m_impl.m_memory.coreTime(m_core))
                since = m_impl.m_nextTick[m_core];
            for (const VcpuState* waiting : m_impl.m_queues[m_core])
                since = std::min(since, waiting->enqueuedAt);
            return since;
        }

    private:
        const Impl& m_impl;
        memory::CoreId m_core;
    };

    explicit Impl(const MachineConfig& config)
        : m_config(config), m_memory(config.topology, config.costs),
          m_speculation(m_memory, config.seed, config.speculationFillsPerMillionCycles), m_rng(config.seed)
    {
        for (memory::CoreId core = 0; core < config.topology.cores(); ++core)
            m_hypervisorAgents.push_back(
                m_memory.addAgent({memory::AgentKind::Hypervisor, fmt::format("hyp@core{}", core), core}));
        m_loader = m_memory.addAgent({memory::AgentKind::Hypervisor, "domain-builder", std::nullopt});
        m_queues.resize(config.topology.cores());
        m_nextTick.assign(config.topology.cores(), config.tickCycles);
        for (memory::CoreId core = 0; core < config.topology.cores(); ++core)
            m_coreQueries.push_back(std::make_unique<CoreQuery>(*this, core));
    }

    void countTicks(memory::CoreId core, MachineRun& result)
    {
        const memory::Cycles first = m_nextTick[core];
        std::uint32_t count = 0;
        while (m_memory.coreTime(core) >= m_nextTick[core]) {
            ++count;
            m_nextTick[core] += m_config.tickCycles;
        }
        result.timerTicks += count;
        if (m_events == nullptr || count == 0)
            return;
        // The ticks a long stretch without a check owes (dozens after a long flush segment) travel as one event.
        if (count == 1)
            m_events->timerTick(first * 1000 / m_config.coreMHz, core);
        else
            m_events->timerTicks(core, first, m_config.tickCycles, count, static_cast<std::uint32_t>(m_config.coreMHz));
    }

    void updateObserver(VcpuState& state, const VirtualMachine& owner, bool cachesOn)
    {
        // Observer changes are stamped with the system clock: the time of the vCPU whose caches changed.
        m_memory.setSystemTime(m_memory.coreTime(state.vcpu->core()));
        // A vCPU that is off (not yet started by PSCI CPU_ON, or stopped by CPU_OFF) reads nothing: it is no
        // observer, whatever its caches.
        const bool observes = !cachesOn && state.vcpu->poweredOn();
        if (!observes && state.observer) {
            m_memory.removeBypassObserver(*state.observer);
            state.observer.reset();
        } else if (observes && !state.observer) {
            state.observer = m_memory.addBypassObserver(fmt::format("{} (caches off)", state.vcpu->config().name),
                                                        owner.spec.machineBase, owner.spec.ramBytes);
        }
    }

    MachineConfig m_config;
    memory::MemorySystem m_memory;
    memory::SpeculationEngine m_speculation;
    std::mt19937_64 m_rng;
    std::vector<memory::AgentId> m_hypervisorAgents;
    memory::AgentId m_loader = 0;
    std::vector<std::unique_ptr<VirtualMachine>> m_vms;
    std::vector<std::deque<VcpuState*>> m_queues;
    // vCPUs asleep in WFI or WFE (VcpuStop::WaitingForInterrupt), off the queues until something wakes them.
    std::vector<VcpuState*> m_sleeping;
    std::vector<memory::Cycles> m_nextTick;
    std::vector<std::unique_ptr<CoreQuery>> m_coreQueries;
    tracer::EventSink* m_events = nullptr;
    std::unique_ptr<CoherenceTracer> m_coherenceTracer;
    bool m_stopRequested = false;
    std::function<bool(const Machine::Progress&)> m_progress;

    std::uint64_t ns(memory::Cycles cycles) const { return cycles * 1000 / m_config.coreMHz; }

    cpu::Vcpu* vcpuByMpidr(const cpu::Vcpu& caller, std::uint64_t mpidr) override
    {
        for (auto& state : m_vms.at(caller.config().vmId)->vcpus)
            if ((state->vcpu->mpidr() & 0xff'00ff'ffffull) == mpidr)
                return state->vcpu.get();
        return nullptr;
    }
    // A vCPU CPU_ON powered on joins its core's run queue, runnable from the caller's time.
    void schedule(cpu::Vcpu& started, const cpu::Vcpu& caller) override
    {
        for (auto& state : m_vms.at(caller.config().vmId)->vcpus)
            if (state->vcpu.get() == &started) {
                state->enqueuedAt = m_memory.coreTime(caller.core());
                m_queues[started.core()].push_back(state.get());
                updateObserver(*state, *state->owner, !started.bypassesCaches()); // it starts with caches off
            }
    }
    // After SYSTEM_OFF or SYSTEM_RESET, the VM's other vCPUs leave the run queues.
    void switchOff(VirtualMachine& target)
    {
        target.switchedOff = true;
        for (auto& queue : m_queues)
            std::erase_if(queue, [&](const VcpuState* s) { return s->owner == &target; });
        std::erase_if(m_sleeping, [&](const VcpuState* s) { return s->owner == &target; });
    }
    void wake(VcpuState& sleeper, memory::Cycles at)
    {
        std::erase(m_sleeping, &sleeper);
        sleeper.enqueuedAt = at;
        m_queues[sleeper.vcpu->core()].push_back(&sleeper);
    }
    // The core cycle at which a sleeper's timer fires, if one is armed.
    static std::optional<memory::Cycles> timerWakeUp(const VcpuState& sleeper)
    {
        const auto counter = sleeper.vcpu->wakeUpCounter();
        if (!counter)
            return std::nullopt;
        return *counter * sleeper.vcpu->config().cyclesPerCounterTick;
    }
    // Wakes the sleeper whose timer fires first if that is no later than `horizon` (the virtual time of the
    // core that would run next; none: nothing else can run). Its core then starts it at that time.
    bool wakeFirstTimer(std::optional<memory::Cycles> horizon)
    {
        VcpuState* first = nullptr;
        memory::Cycles at = 0;
        for (VcpuState* s : m_sleeping)
            if (const auto when = timerWakeUp(*s); when && (first == nullptr || *when < at)) {
                first = s;
                at = *when;
            }
        if (first == nullptr || (horizon && at > *horizon))
            return false;
        wake(*first, at);
        return true;
    }
    // After `ran`'s slice, which ended at `now` on its core: sleepers its interrupts (SGIs) now signal, and
    // those in WFE (whose wake-up event another CPU's stores may have sent) of the same VM, wake.
    void wakeSignalled(const VcpuState& ran, memory::Cycles now)
    {
        const std::vector<VcpuState*> sleeping = m_sleeping;
        for (VcpuState* s : sleeping)
            if (s != &ran && (s->vcpu->interruptSignalled() || (s->vcpu->waitingForEvent() && s->owner == ran.owner)))
                wake(*s, now);
    }
};

Machine::Machine(const MachineConfig& config) : m_impl(std::make_unique<Impl>(config)) {}

Machine::~Machine() = default;

memory::MemorySystem& Machine::memory()
{
    return m_impl->m_memory;
}

memory::SpeculationEngine& Machine::speculation()
{
    return m_impl->m_speculation;
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
    for (const auto& other : impl.m_vms)
        if (spec.machineBase < other->spec.machineBase + other->spec.ramBytes &&
            other->spec.machineBase < spec.machineBase + spec.ramBytes)
            throw std::invalid_argument(fmt::format("VM {}: machine RAM [{:#x}, {:#x}) overlaps VM {}", spec.name,
                                                    spec.machineBase, spec.machineBase + spec.ramBytes,
                                                    other->spec.name));
    auto machineVm = std::make_unique<VirtualMachine>();
    machineVm->spec = spec;
    const bool portClearOfRam = spec.ramIpa >= VCM_GUEST_PORT_BASE + VCM_GUEST_PORT_SIZE ||
                                spec.ramIpa + spec.ramBytes <= VCM_GUEST_PORT_BASE;
    if (spec.board == nullptr && portClearOfRam) {
        machineVm->portOnlyBoard = std::make_unique<board::BoardBus>();
        machineVm->portOnlyBoard->addMmio("vcm-guest-port", VCM_GUEST_PORT_BASE, VCM_GUEST_PORT_SIZE,
                                          &machineVm->guestPort);
        machineVm->spec.board = machineVm->portOnlyBoard.get();
    }
    machineVm->psci = std::make_unique<Psci>(impl);
    machineVm->stage2.map(spec.ramIpa >> 12, spec.machineBase >> 12, spec.ramBytes >> 12, vm::Stage2Type::Ram);
    machineVm->space = std::make_unique<VmSpace>(machineVm->stage2);
    // The hypervisor maps all of RAM cacheable on every core (Xen's directmap, KVM's linear map): any of it
    // may be speculatively allocated at any time (Arm ARM D7.5.1).
    impl.m_speculation.addCacheableMapping(std::nullopt, spec.machineBase, spec.ramBytes,
                                           fmt::format("hypervisor map of {} RAM", spec.name));
    const auto vmId = static_cast<std::uint32_t>(impl.m_vms.size());
    VirtualMachine& owner = *machineVm;
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
        vcpuConfig.entry = spec.entry.value_or(spec.ramIpa);
        vcpuConfig.entryX0 = i == 0 ? spec.entryX0 : 0;
        if (!owner.mirror)
            owner.mirror = std::make_shared<cpu::GuestRamMirror>(spec.ramBytes);
        vcpuConfig.mirror = owner.mirror;
        vcpuConfig.coreMHz = impl.m_config.coreMHz;
        vcpuConfig.counterReadCycles = impl.m_config.counterReadCycles;
        vcpuConfig.events = impl.m_events;
        vcpuConfig.firmware = owner.psci.get();
        vcpuConfig.board = machineVm->spec.board;
        vcpuConfig.startsOn = i == 0 || !spec.secondariesStartOff;
        const memory::AgentId agent = impl.m_memory.addAgent({memory::AgentKind::Vcpu, vcpuConfig.name, core});
        if (impl.m_events != nullptr)
            impl.m_events->vcpuCreate(static_cast<std::uint32_t>(vmId), vcpuConfig.index, agent, core, spec.name,
                                      vcpuConfig.name);
        auto state = std::make_unique<VcpuState>();
        state->vcpu = std::make_unique<cpu::Vcpu>(vcpuConfig, impl.m_memory, agent, impl.m_hypervisorAgents,
                                                  *owner.space, traps);
        state->pinned = spec.pinned;
        state->traps = &traps;
        state->owner = &owner;
        state->coresVisited.push_back(core);
        VcpuState* raw = state.get();
        raw->vcpu->onCacheStateChange(
            [&impl, raw, &owner](bool) { impl.updateObserver(*raw, owner, !raw->vcpu->bypassesCaches()); });
        raw->vcpu->onMarker([&impl, raw](const cpu::Marker& marker) {
            for (const ScriptedMigration& m : impl.m_config.migrations)
                if (m.vcpu == raw->vcpu->config().name && m.marker == marker.name && !raw->pinned)
                    raw->pendingMigration = m.toCore;
        });
        owner.vcpus.push_back(std::move(state));
    }
    // TLBI and IC reach every vCPU of the VM (its inner shareable domain).
    for (auto& state : owner.vcpus) {
        cpu::Vcpu* self = state->vcpu.get();
        self->onBroadcastMaintenance([&owner, self](const cpu::Vcpu::BroadcastMaintenance& maintenance) {
            for (auto& other : owner.vcpus)
                if (other->vcpu.get() != self)
                    other->vcpu->receiveMaintenance(maintenance);
        });
    }
    impl.m_vms.push_back(std::move(machineVm));
    const std::size_t vmIndex = impl.m_vms.size() - 1;
    traps.onVmCreated(vmIndex);
    for (auto& state : owner.vcpus) {
        traps.onVcpuReset(*state->vcpu);
        if (impl.m_events != nullptr && state->vcpu->hcr().tvm)
            impl.m_events->tvmChange(state->vcpu->nowNs(), vmId, state->vcpu->config().index, true);
        // vCPUs start with MMU and caches off: an observer unless HCR_EL2.DC or FWB make them cacheable.
        impl.updateObserver(*state, owner, !state->vcpu->bypassesCaches());
    }
    return vmIndex;
}

void Machine::setEventSink(tracer::EventSink* sink)
{
    m_impl->m_events = sink;
    m_impl->m_coherenceTracer =
        sink != nullptr ? std::make_unique<CoherenceTracer>(*sink, m_impl->m_config.coreMHz) : nullptr;
}

tracer::EventSink* Machine::eventSink() const
{
    return m_impl->m_events;
}

memory::CoherenceListener* Machine::coherenceTracer()
{
    return m_impl->m_coherenceTracer.get();
}

std::uint64_t Machine::nanoseconds(memory::Cycles cycles) const
{
    return m_impl->ns(cycles);
}

void Machine::requestStop()
{
    m_impl->m_stopRequested = true;
}

void Machine::onProgress(std::function<bool(const Progress&)> callback)
{
    m_impl->m_progress = std::move(callback);
}

const cpu::PreemptionQuery& Machine::preemption(memory::CoreId core) const
{
    return *m_impl->m_coreQueries.at(core);
}

std::size_t Machine::vmCount() const
{
    return m_impl->m_vms.size();
}

const VmSpec& Machine::vmSpec(std::size_t vmIndex) const
{
    return m_impl->m_vms.at(vmIndex)->spec;
}

vm::Stage2Table& Machine::stage2(std::size_t vmIndex)
{
    return m_impl->m_vms.at(vmIndex)->stage2;
}

cpu::Vcpu& Machine::vcpu(std::size_t vmIndex, std::size_t vcpuIndex)
{
    return *m_impl->m_vms.at(vmIndex)->vcpus.at(vcpuIndex)->vcpu;
}

memory::PhysAddr Machine::machineAddress(std::size_t vmIndex, std::uint64_t ipa) const
{
    const VirtualMachine& target = *m_impl->m_vms.at(vmIndex);
    const auto where = target.space->lookup(ipa);
    if (!where)
        throw std::out_of_range(fmt::format("VM {}: IPA {:#x} is not mapped by its stage 2", target.spec.name, ipa));
    return where->address;
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
        impl.m_memory.write(impl.m_loader, machineAddress(vmIndex, at), bytes.subspan(done, length),
                            memory::MemoryType::NormalNonCacheable);
        done += length;
    }
    for (auto& state : target.vcpus)
        state->vcpu->refreshInstructions(ipa, bytes.size());
}

MachineRun Machine::run(std::uint64_t instructionBudget)
{
    Impl& impl = *m_impl;
    const std::uint32_t cores = impl.m_config.topology.cores();
    auto& queues = impl.m_queues;
    std::vector<VcpuState*> all;
    for (auto& machineVm : impl.m_vms)
        for (auto& state : machineVm->vcpus) {
            all.push_back(state.get());
            if (!state->vcpu->poweredOn() || machineVm->switchedOff)
                continue; // CPU_ON brings it in (Impl::schedule)
            state->enqueuedAt = impl.m_memory.coreTime(state->vcpu->core());
            queues[state->vcpu->core()].push_back(state.get());
        }

    MachineRun result;
    impl.m_stopRequested = false;
    while (result.instructions < instructionBudget && !impl.m_stopRequested) {
        // The core furthest behind in virtual time that has work.
        std::optional<memory::CoreId> next;
        for (memory::CoreId core = 0; core < cores; ++core)
            if (!queues[core].empty() && (!next || impl.m_memory.coreTime(core) < impl.m_memory.coreTime(*next)))
                next = core;
        // A sleeper whose timer fires before that core's present wakes first.
        if (impl.wakeFirstTimer(next ? std::optional(impl.m_memory.coreTime(*next)) : std::nullopt))
            continue;
        if (!next) {
            // Nothing runnable and no timer armed: the sleepers wait for interrupts nothing will raise.
            for (VcpuState* s : impl.m_sleeping)
                s->hang = fmt::format("{}: waits in WFI/WFE for an interrupt that nothing will raise (no timer armed, "
                                      "no interrupt pending, no other vCPU running)",
                                      s->vcpu->config().name);
            break;
        }
        const memory::CoreId core = *next;
        VcpuState* state = queues[core].front();
        queues[core].pop_front();
        cpu::Vcpu& v = *state->vcpu;
        // A vCPU that waited on a queue whose core was behind starts when the core gets to it.
        const memory::Cycles start = std::max(impl.m_memory.coreTime(core), state->enqueuedAt);
        impl.m_memory.advanceCore(core, start - impl.m_memory.coreTime(core));
        state->maxLatency = std::max(state->maxLatency, start - state->enqueuedAt);
        v.setCore(core);

        const memory::Cycles before = impl.m_memory.coreTime(core);
        const auto vmId = v.config().vmId;
        const auto vcpuIndex = v.config().index;
        if (impl.m_events != nullptr)
            impl.m_events->vcpuRun(impl.ns(before), vmId, vcpuIndex, core);
        ++state->slices;
        bool ranGuest = false;
        cpu::VcpuRun ran;
        if (state->traps->hasPendingWork(v) && !state->traps->runPendingWork(v, *impl.m_coreQueries[core])) {
            ran.stop = cpu::VcpuStop::Yielded; // preempted in EL2: softirqs run, then it resumes the work
        } else {
            const std::uint64_t slice =
                std::min(impl.m_config.sliceInstructions, instructionBudget - result.instructions);
            ran = v.run(slice);
            ranGuest = true;
        }
        result.instructions += ran.instructions;
        state->instructions += ran.instructions;
        if (impl.m_events != nullptr) {
            tracer::VcpuStopReason reason = tracer::VcpuStopReason::SliceEnd;
            if (!ranGuest)
                reason = tracer::VcpuStopReason::Preempted;
            else if (ran.stop == cpu::VcpuStop::Yielded)
                reason = tracer::VcpuStopReason::Yield;
            else if (ran.stop == cpu::VcpuStop::Exited)
                reason = tracer::VcpuStopReason::Exit;
            else if (ran.stop == cpu::VcpuStop::Fault)
                reason = tracer::VcpuStopReason::Fault;
            else if (ran.stop == cpu::VcpuStop::Hypervisor)
                reason = tracer::VcpuStopReason::Hypervisor;
            else if (ran.stop == cpu::VcpuStop::PoweredOff)
                reason = tracer::VcpuStopReason::PoweredOff;
            else if (ran.stop == cpu::VcpuStop::WaitingForInterrupt)
                reason = tracer::VcpuStopReason::WaitForInterrupt;
            impl.m_events->vcpuStop(impl.ns(impl.m_memory.coreTime(core)), vmId, vcpuIndex, core, reason,
                                    ran.instructions);
        }
        result.speculativeFills += impl.m_speculation.step(core, impl.m_memory.coreTime(core) - before);
        // HCR_EL2.DC and FWB changes by EL2 also decide whether the vCPU bypasses the caches.
        impl.updateObserver(*state, *state->owner, !v.bypassesCaches());
        impl.countTicks(core, result);
        if (impl.m_progress) {
            memory::Cycles furthest = 0;
            for (memory::CoreId c = 0; c < cores; ++c)
                furthest = std::max(furthest, impl.m_memory.coreTime(c));
            if (!impl.m_progress({result.instructions, instructionBudget, impl.ns(furthest)}))
                impl.m_stopRequested = true;
        }
        if (ranGuest && ran.stop == cpu::VcpuStop::Hypervisor) {
            // EL2 work is owed before the guest continues: it runs next on this core.
            state->enqueuedAt = impl.m_memory.coreTime(core);
            queues[core].push_front(state);
            continue;
        }
        if (v.systemOffRequested() || v.systemResetRequested()) {
            state->owner->reset = v.systemResetRequested();
            impl.switchOff(*state->owner);
        }
        if (ranGuest)
            impl.wakeSignalled(*state, impl.m_memory.coreTime(core));
        if (ran.stop == cpu::VcpuStop::WaitingForInterrupt && !state->owner->switchedOff) {
            impl.m_sleeping.push_back(state);
            continue;
        }
        if (ran.stop != cpu::VcpuStop::BudgetUsed && ran.stop != cpu::VcpuStop::Yielded)
            continue; // exited, faulted or powered off (CPU_OFF): off the queues

        memory::CoreId destination = core;
        if (state->pendingMigration) {
            destination = *state->pendingMigration;
            state->pendingMigration.reset();
        } else if (!state->pinned && impl.m_config.forcedMigrationPercent > 0 && cores > 1 &&
                   impl.m_rng() % 100 < impl.m_config.forcedMigrationPercent) {
            destination = (core + 1 + static_cast<memory::CoreId>(impl.m_rng() % (cores - 1))) % cores;
        }
        if (destination != core) {
            ++state->migrations;
            state->coresVisited.push_back(destination);
            if (impl.m_events != nullptr)
                impl.m_events->vcpuMigrate(impl.ns(impl.m_memory.coreTime(core)), vmId, vcpuIndex, core, destination);
        }
        state->enqueuedAt = impl.m_memory.coreTime(core);
        queues[destination].push_back(state);
    }
    for (auto& queue : queues)
        queue.clear();
    impl.m_sleeping.clear(); // the next run() queues every powered-on vCPU again

    result.allExited = std::all_of(all.begin(), all.end(), [](VcpuState* s) {
        return s->vcpu->exited() || (s->owner->switchedOff && s->vcpu->faultDescription().empty());
    });
    for (VcpuState* s : all) {
        const cpu::Vcpu& v = *s->vcpu;
        result.vcpus.push_back({v.config().name, v.exited(), v.exitCode(),
                                v.faultDescription().empty() ? s->hang : v.faultDescription(), v.console(),
                                s->instructions, v.trapCount(), v.traps(), v.memoryAccesses(), s->migrations,
                                s->slices, s->maxLatency, s->coresVisited, v.poweredOn(),
                                s->owner->switchedOff && !s->owner->reset, s->owner->switchedOff && s->owner->reset});
    }
    return result;
}

} // namespace vcm::hyp

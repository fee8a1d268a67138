// The memory system: construction, the operation in progress, topology, agents, clocks and inspection.
#include "vcm/hyp/memory/memory_system.h"

#include "memory_system_impl.h"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace vcm::hyp::memory {

// --------------------------------------------------------------------------------------------------
// Construction, operations (begin, charge and the topology helpers are inline in memory_system_impl.h)

MemorySystem::Impl::Impl(const MachineTopology& topology, const CostModel& costs)
    : m_topology(topology), m_costs(costs), m_lineBytes(topology.lineBytes),
      m_lineShift(static_cast<std::uint32_t>(std::countr_zero(topology.lineBytes))),
      m_wordsPerLine(topology.lineBytes / 8), m_coreClock(topology.cores(), 0)
{
    m_topology.validate();
    if (m_lineBytes > kMaxLineBytes)
        throw GeometryError(fmt::format("lineBytes {} exceeds the model's maximum of {}", m_lineBytes, kMaxLineBytes));
    std::uint64_t seed = topology.seed;
    m_caches.reserve(topology.cores() + topology.clusters + 1);
    for (CoreId c = 0; c < topology.cores(); ++c)
        m_caches.emplace_back(topology.l1, m_lineBytes, seed++);
    for (ClusterId k = 0; k < topology.clusters; ++k)
        m_caches.emplace_back(topology.l2, m_lineBytes, seed++);
    if (topology.hasSystemCache())
        m_caches.emplace_back(topology.systemCache, m_lineBytes, seed++);
    m_fillSlots.resize(m_caches.size());
    m_cause.describe = [this] { return describeOperation(); };
}

std::string MemorySystem::Impl::describeOperation() const
{
    std::string text = m_op.what;
    if (m_op.agent)
        text += fmt::format(" by {}", m_agents[*m_op.agent].name);
    if (m_op.core)
        text += fmt::format(" on core {}", *m_op.core);
    if (m_op.via != nullptr)
        text += fmt::format(" (via {})", m_op.via);
    return text;
}

void MemorySystem::Impl::throwUnknownAgent(AgentId id) const
{
    throw std::out_of_range(fmt::format("unknown agent id {} ({} agents registered)", id, m_agents.size()));
}

// --------------------------------------------------------------------------------------------------
// Public interface

MemorySystem::MemorySystem(const MachineTopology& topology, const CostModel& costs)
    : m_impl(std::make_unique<Impl>(topology, costs))
{
}

MemorySystem::~MemorySystem() = default;

const MachineTopology& MemorySystem::topology() const
{
    return m_impl->m_topology;
}

const CostModel& MemorySystem::costs() const
{
    return m_impl->m_costs;
}

void MemorySystem::setListener(CoherenceListener* listener)
{
    m_impl->m_listener = listener;
    m_impl->m_windows.setListener(listener);
    if (listener != nullptr)
        for (std::size_t id = 0; id < m_impl->m_agents.size(); ++id) {
            const AgentInfo& info = m_impl->m_agents[id];
            listener->onAgentAdded(static_cast<AgentId>(id), info.kind, info.name, info.core);
        }
}

WordInspection MemorySystem::inspectWord(PhysAddr address) const
{
    const Impl& impl = *m_impl;
    WordInspection w;
    w.address = address & ~PhysAddr{7};
    const std::uint64_t line = impl.lineOf(w.address);
    const std::uint32_t word = static_cast<std::uint32_t>((w.address & (impl.m_lineBytes - 1)) >> 3);
    for (std::size_t idx = 0; idx < impl.m_caches.size(); ++idx) {
        const CacheArray& cache = impl.m_caches[idx];
        const std::uint32_t slot = cache.find(line);
        if (slot == CacheArray::kMiss)
            continue;
        CachedCopy copy;
        copy.location = impl.locationOf(idx);
        copy.dirty = cache.dirty(slot);
        std::memcpy(&copy.value, cache.data(slot).data() + word * 8, 8);
        copy.version = cache.versions(slot)[word];
        w.copies.push_back(copy);
    }
    const std::size_t inPage = (w.address & (kPageBytes - 1)) >> 3;
    if (const RamPage* page = impl.m_ram.find(w.address >> kPageShift)) {
        std::memcpy(&w.ramValue, page->data.data() + inPage * 8, 8);
        w.ramVersion = page->versions[inPage];
    }
    if (const OraclePage* oracle = impl.m_oracle.find(w.address >> kPageShift)) {
        std::memcpy(&w.latestValue, oracle->value.data() + inPage * 8, 8);
        w.latestVersion = oracle->version[inPage];
        w.latestWriter = oracle->writer[inPage];
        w.everWritten = w.latestVersion != 0;
    } else {
        w.latestValue = w.ramValue;
    }
    return w;
}

AgentId MemorySystem::addAgent(AgentInfo info)
{
    if (info.core && *info.core >= m_impl->m_topology.cores())
        throw std::out_of_range(fmt::format("agent {}: core {} does not exist (the machine has {} cores)", info.name,
                                            *info.core, m_impl->m_topology.cores()));
    if (info.kind == AgentKind::Device)
        info.core.reset(); // a non-coherent device never uses a core's caches
    m_impl->m_agents.push_back(std::move(info));
    const auto id = static_cast<AgentId>(m_impl->m_agents.size() - 1);
    if (m_impl->m_listener != nullptr) {
        const AgentInfo& added = m_impl->m_agents.back();
        m_impl->m_listener->onAgentAdded(id, added.kind, added.name, added.core);
    }
    return id;
}

const AgentInfo& MemorySystem::agent(AgentId id) const
{
    return m_impl->agentInfo(id);
}

void MemorySystem::moveAgent(AgentId id, CoreId core)
{
    m_impl->agentInfo(id);
    if (core >= m_impl->m_topology.cores())
        throw std::out_of_range(fmt::format("core {} does not exist", core));
    if (m_impl->m_agents[id].kind == AgentKind::Device)
        throw std::invalid_argument(fmt::format("agent {} is a device and has no core", m_impl->m_agents[id].name));
    m_impl->m_agents[id].core = core;
}

void MemorySystem::speculativeFill(CoreId core, PhysAddr address)
{
    Impl& impl = *m_impl;
    if (core >= impl.m_topology.cores())
        throw std::out_of_range(fmt::format("core {} does not exist", core));
    impl.begin("speculative fill", std::nullopt, core);
    const std::uint64_t line = impl.lineOf(address);
    if (impl.m_caches[impl.l1Index(core)].find(line) != CacheArray::kMiss)
        return;
    ValueSource source;
    Cycles cost = 0;
    impl.fillL1(core, line, source, cost);
}

ObserverId MemorySystem::addBypassObserver(std::string name, PhysAddr base, std::uint64_t length)
{
    m_impl->begin("bypass observer added", std::nullopt, std::nullopt);
    return m_impl->m_windows.addObserver(std::move(name), base, length, m_impl->m_cause);
}

void MemorySystem::removeBypassObserver(ObserverId id)
{
    m_impl->begin("bypass observer removed", std::nullopt, std::nullopt);
    m_impl->m_windows.removeObserver(id, m_impl->m_cause);
}

bool MemorySystem::staleWindowOpen(PhysAddr address) const
{
    return m_impl->m_windows.windowOpen(address);
}

Cycles MemorySystem::coreTime(CoreId core) const
{
    return m_impl->m_coreClock.at(core);
}

const Cycles& MemorySystem::coreClock(CoreId core) const
{
    return m_impl->m_coreClock.at(core);
}

void MemorySystem::advanceCore(CoreId core, Cycles cycles)
{
    m_impl->m_coreClock.at(core) += cycles;
}

void MemorySystem::advanceAgentCore(AgentId agent, Cycles cycles)
{
    m_impl->m_coreClock.at(*m_impl->agentInfo(agent).core) += cycles;
}

Cycles MemorySystem::systemTime() const
{
    return m_impl->m_systemClock;
}

void MemorySystem::setSystemTime(Cycles now)
{
    m_impl->m_systemClock = now;
}

std::vector<LineCopy> MemorySystem::copiesOf(PhysAddr address) const
{
    const Impl& impl = *m_impl;
    std::vector<LineCopy> copies;
    const std::uint64_t line = impl.lineOf(address);
    for (std::size_t idx = 0; idx < impl.m_caches.size(); ++idx) {
        const CacheArray& cache = impl.m_caches[idx];
        const std::uint32_t slot = cache.find(line);
        if (slot == CacheArray::kMiss)
            continue;
        const auto data = cache.data(slot);
        const auto versions = cache.versions(slot);
        copies.push_back({impl.locationOf(idx), cache.dirty(slot), {data.begin(), data.end()},
                          {versions.begin(), versions.end()}});
    }
    return copies;
}

void MemorySystem::peekRam(PhysAddr address, std::span<std::uint8_t> out) const
{
    std::size_t done = 0;
    while (done < out.size()) {
        const PhysAddr at = address + done;
        const std::size_t inPage = kPageBytes - (at & (kPageBytes - 1));
        const std::size_t length = std::min(inPage, out.size() - done);
        if (const RamPage* page = m_impl->m_ram.find(at >> kPageShift))
            std::memcpy(out.data() + done, page->data.data() + (at & (kPageBytes - 1)), length);
        else
            std::memset(out.data() + done, 0, length);
        done += length;
    }
}

WordState MemorySystem::ramWord(PhysAddr address) const
{
    WordState state;
    const RamPage* page = m_impl->m_ram.find(address >> kPageShift);
    if (page == nullptr)
        return state;
    const std::size_t word = (address & (kPageBytes - 1)) >> 3;
    std::memcpy(&state.value, page->data.data() + word * 8, 8);
    state.version = page->versions[word];
    return state;
}

WordState MemorySystem::latestWord(PhysAddr address) const
{
    WordState state;
    const OraclePage* page = m_impl->m_oracle.find(address >> kPageShift);
    if (page == nullptr)
        return state;
    const std::size_t word = (address & (kPageBytes - 1)) >> 3;
    std::memcpy(&state.value, page->value.data() + word * 8, 8);
    state.version = page->version[word];
    state.writer = page->writer[word];
    return state;
}

std::uint64_t MemorySystem::cachedLines() const
{
    return m_impl->m_cachedLines;
}

std::uint64_t MemorySystem::touchedRamPages() const
{
    return m_impl->m_ram.size();
}

Version MemorySystem::latestVersion() const
{
    return m_impl->m_lastVersion;
}

} // namespace vcm::hyp::memory

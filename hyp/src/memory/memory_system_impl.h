// The memory system's implementation class, MemorySystem::Impl, shared by the files it is split into.
//
// Reading guide. Every public operation sets m_op (what, who, when) so reports can say which operation
// caused them, then works line by line through a few primitives:
//   installCopy / dropCopy / evict        -- the only places a cache slot changes identity
//   writeBackInto / writeBackToRam        -- dirty data moving one level down (clobbers are found here)
//   refreshSlot / refreshLine             -- re-deciding whether a cached copy differs from RAM,
//                                            which drives stale-data windows
//   fillL1 / takeOwnership                -- the coherence protocol described in memory_system.h
// Caches are held in one vector: the L1 of each core, then the L2 of each cluster, then the system
// cache, so "every cache that might hold the line" is one loop.
//
// The implementation, one concept per file:
//   memory_system.cpp       construction, the operation in progress, topology, agents, clocks, inspection
//   memory_access.cpp       reads and writes: the public entry points and the line-chunk paths behind them
//   line_transfer.cpp       installCopy / dropCopy / evict, the write-backs, refreshSlot / refreshLine
//   coherence_protocol.cpp  findDirty / fillL1 / takeOwnership
//   coherence_oracle.cpp    the partial-word rule, the oracle's latest versions, stale-read reports
//   cache_maintenance.cpp   maintenance by address and by set/way, and its reports
#pragma once

#include "cache_array.h"
#include "sparse_pages.h"
#include "stale_window_tracker.h"

#include "vcm/hyp/memory/memory_system.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vcm::hyp::memory {

constexpr std::uint32_t kMaxLineBytes = 256;
constexpr std::uint32_t kMaxWordsPerLine = kMaxLineBytes / 8;
constexpr int kRam = -1; // "next level" of the last cache

// Left uninitialised on purpose: every user fills the first lineBytes / wordsPerLine entries before reading
// them, and zeroing 512 bytes on every line fill showed up in profiles.
struct LineBuffer {
    std::array<std::uint8_t, kMaxLineBytes> data;
    std::array<std::uint64_t, kMaxWordsPerLine> versions;
};

// memcpy for the access sizes guests use: the fixed sizes compile to single moves instead of a libc call.
inline void copyBytes(std::uint8_t* to, const std::uint8_t* from, std::uint32_t length)
{
    switch (length) {
    case 8:
        std::memcpy(to, from, 8);
        break;
    case 4:
        std::memcpy(to, from, 4);
        break;
    case 1:
        *to = *from;
        break;
    case 2:
        std::memcpy(to, from, 2);
        break;
    case 16:
        std::memcpy(to, from, 16);
        break;
    default:
        std::memcpy(to, from, length);
    }
}

class MemorySystem::Impl {
public:
    Impl(const MachineTopology& topology, const CostModel& costs);

    // The operation in progress, for the reports it causes.
    struct Operation {
        const char* what = "";
        const char* via = nullptr; // a nested cause: "eviction", "write-through snoop"
        std::optional<AgentId> agent;
        std::optional<CoreId> core;
        Cycles time = 0;
    };

    void begin(const char* what, std::optional<AgentId> agent, std::optional<CoreId> core);
    void reportMaintenance(AgentId agent, bool bySetWay, std::uint8_t op, PhysAddr address, std::uint64_t bytes,
                           const MaintenanceResult& result);
    std::string describeOperation() const;
    void charge(Cycles cost);

    const AgentInfo& agentInfo(AgentId id) const
    {
        if (id >= m_agents.size()) [[unlikely]]
            throwUnknownAgent(id);
        return m_agents[id];
    }
    [[noreturn]] void throwUnknownAgent(AgentId id) const;

    // Topology helpers.
    std::size_t cacheCount() const { return m_caches.size(); }
    std::size_t l1Index(CoreId core) const { return core; }
    std::size_t l2Index(ClusterId cluster) const { return m_topology.cores() + cluster; }
    bool isL1(std::size_t idx) const { return idx < m_topology.cores(); }
    int nextLevel(std::size_t idx) const;
    CacheLocation locationOf(std::size_t idx) const;
    // Caches a write-back write from `core` must invalidate: other cores' L1s, other clusters' L2s.
    bool isForeignTo(std::size_t idx, CoreId core) const;

    std::uint64_t lineOf(PhysAddr address) const { return address >> m_lineShift; }
    PhysAddr addressOf(std::uint64_t line) const { return line << m_lineShift; }
    std::uint64_t pageOfLine(std::uint64_t line) const { return addressOf(line) >> kPageShift; }
    std::uint32_t ramWordIndex(std::uint64_t line) const
    {
        return static_cast<std::uint32_t>((addressOf(line) & (kPageBytes - 1)) >> 3);
    }

    // Primitives.
    std::uint32_t installCopy(std::size_t idx, std::uint64_t line, const LineBuffer& buffer, bool dirty);
    void dropCopy(std::size_t idx, std::uint32_t slot);
    void evict(std::size_t idx, std::uint32_t slot);
    void writeBackInto(std::size_t idx, std::uint64_t line, const std::uint8_t* data, const std::uint64_t* versions);
    void writeBackToRam(std::size_t fromIdx, std::uint64_t line, const std::uint8_t* data,
                        const std::uint64_t* versions);
    void cleanSlotOneLevel(std::size_t idx, std::uint32_t slot);
    void copyOut(std::size_t idx, std::uint32_t slot, LineBuffer& buffer) const;
    void readRamLine(std::uint64_t line, LineBuffer& buffer) const;

    bool differsFromRam(std::size_t idx, std::uint32_t slot) const;
    void refreshSlot(std::size_t idx, std::uint32_t slot);
    void refreshLine(std::uint64_t line);

    struct SlotRef {
        std::size_t idx = 0;
        std::uint32_t slot = CacheArray::kMiss;
    };
    std::optional<SlotRef> findDirty(std::uint64_t line) const;
    std::uint32_t fillL1(CoreId core, std::uint64_t line, ValueSource& source, Cycles& cost);
    void takeOwnership(CoreId core, std::uint32_t l1Slot, std::uint64_t line);

    // Accesses, one line chunk at a time.
    bool readChunk(AgentId agent, PhysAddr address, std::uint8_t* out, std::uint32_t length, MemoryType type,
                   AccessResult& result, bool first);
    void writeChunk(AgentId agent, PhysAddr address, const std::uint8_t* bytes, std::uint32_t length,
                    MemoryType type, Version version, Cycles& cost);
    // Merges bytes into a copy's words under the partial-word rule (see writeWords).
    void writeWords(std::uint8_t* data, std::uint64_t* versions, std::uint32_t offset, const std::uint8_t* bytes,
                    std::uint32_t length, Version version, const OraclePage& oracleBefore, std::uint32_t oracleWord);
    void updateOracle(OraclePage& page, AgentId agent, PhysAddr address, const std::uint8_t* bytes,
                      std::uint32_t length, Version version);
    bool checkStale(AgentId agent, PhysAddr address, std::uint32_t length, const std::uint64_t* versions,
                    std::uint32_t firstWord, MemoryType type, const ValueSource& source);
    // The rare half of checkStale, kept out of line so the check every read makes stays small.
    [[gnu::noinline]] void reportStale(AgentId agent, PhysAddr address, const std::uint64_t* versions,
                                       std::uint32_t firstWord, std::uint32_t words, std::uint32_t firstStale,
                                       MemoryType type, const ValueSource& source, const OraclePage& oracle);
    std::optional<ValueSource> whereIsVersion(PhysAddr wordAddress, Version version) const;

    MaintenanceResult lineOp(ByAddressOp op, std::uint64_t line, MemoryType type);

    MachineTopology m_topology;
    CostModel m_costs;
    std::uint32_t m_lineBytes;
    std::uint32_t m_lineShift;
    std::uint32_t m_wordsPerLine;
    std::vector<CacheArray> m_caches;
    std::vector<std::uint32_t> m_fillSlots; // fillL1's scratch: the line's slot in each cache
    SparsePages<RamPage> m_ram;
    SparsePages<OraclePage> m_oracle;
    std::map<std::uint64_t, std::uint32_t> m_residentPerPage; // page -> valid copies in all caches
    // The entry of m_residentPerPage last used, or end(): installs and drops come in runs on one page, and a map
    // iterator stays valid until its own entry is erased (dropCopy resets the hint then).
    std::map<std::uint64_t, std::uint32_t>::iterator m_residentHint = m_residentPerPage.end();
    bool pageResident(std::uint64_t page) const
    {
        if (m_residentHint != m_residentPerPage.end() && m_residentHint->first == page)
            return true;
        return m_residentPerPage.contains(page);
    }
    std::uint64_t m_cachedLines = 0;
    StaleWindowTracker m_windows;
    WindowCause m_cause;
    CoherenceListener* m_listener = nullptr;
    std::uint32_t m_maintenanceReportPauses = 0;
    std::vector<AgentInfo> m_agents;
    std::vector<Cycles> m_coreClock;
    Cycles m_systemClock = 0;
    Version m_lastVersion = 0;
    Operation m_op;
};

// Called on every access or line move: defined here so that every file using them can inline them.

inline void MemorySystem::Impl::begin(const char* what, std::optional<AgentId> agent, std::optional<CoreId> core)
{
    m_op.what = what;
    m_op.via = nullptr;
    m_op.agent = agent;
    m_op.core = core;
    m_op.time = core ? m_coreClock[*core] : m_systemClock;
    m_cause.time = m_op.time;
}

inline void MemorySystem::Impl::charge(Cycles cost)
{
    if (m_op.core)
        m_coreClock[*m_op.core] += cost;
}

inline int MemorySystem::Impl::nextLevel(std::size_t idx) const
{
    if (isL1(idx))
        return static_cast<int>(l2Index(m_topology.clusterOf(static_cast<CoreId>(idx))));
    if (idx < m_topology.cores() + m_topology.clusters && m_topology.hasSystemCache())
        return static_cast<int>(m_topology.cores() + m_topology.clusters);
    return kRam;
}

inline CacheLocation MemorySystem::Impl::locationOf(std::size_t idx) const
{
    if (isL1(idx))
        return {CacheLevel::L1, static_cast<std::uint32_t>(idx)};
    if (idx < m_topology.cores() + m_topology.clusters)
        return {CacheLevel::L2, static_cast<std::uint32_t>(idx - m_topology.cores())};
    return {CacheLevel::SystemCache, 0};
}

inline bool MemorySystem::Impl::isForeignTo(std::size_t idx, CoreId core) const
{
    if (isL1(idx))
        return idx != core;
    return idx < m_topology.cores() + m_topology.clusters && idx != l2Index(m_topology.clusterOf(core));
}

} // namespace vcm::hyp::memory

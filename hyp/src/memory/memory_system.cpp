// The memory system: caches with data, RAM, the coherence oracle, maintenance and the reports.
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
#include "vcm/hyp/memory/memory_system.h"

#include "cache_array.h"
#include "sparse_pages.h"
#include "stale_window_tracker.h"

#include "vcm/hyp/memory/set_way_operand.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <map>
#include <stdexcept>

namespace vcm::hyp::memory {
namespace {

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

} // namespace

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

// --------------------------------------------------------------------------------------------------
// Construction, operations, topology

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

void MemorySystem::Impl::begin(const char* what, std::optional<AgentId> agent, std::optional<CoreId> core)
{
    m_op.what = what;
    m_op.via = nullptr;
    m_op.agent = agent;
    m_op.core = core;
    m_op.time = core ? m_coreClock[*core] : m_systemClock;
    m_cause.time = m_op.time;
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

void MemorySystem::Impl::charge(Cycles cost)
{
    if (m_op.core)
        m_coreClock[*m_op.core] += cost;
}

void MemorySystem::Impl::throwUnknownAgent(AgentId id) const
{
    throw std::out_of_range(fmt::format("unknown agent id {} ({} agents registered)", id, m_agents.size()));
}

int MemorySystem::Impl::nextLevel(std::size_t idx) const
{
    if (isL1(idx))
        return static_cast<int>(l2Index(m_topology.clusterOf(static_cast<CoreId>(idx))));
    if (idx < m_topology.cores() + m_topology.clusters && m_topology.hasSystemCache())
        return static_cast<int>(m_topology.cores() + m_topology.clusters);
    return kRam;
}

CacheLocation MemorySystem::Impl::locationOf(std::size_t idx) const
{
    if (isL1(idx))
        return {CacheLevel::L1, static_cast<std::uint32_t>(idx)};
    if (idx < m_topology.cores() + m_topology.clusters)
        return {CacheLevel::L2, static_cast<std::uint32_t>(idx - m_topology.cores())};
    return {CacheLevel::SystemCache, 0};
}

bool MemorySystem::Impl::isForeignTo(std::size_t idx, CoreId core) const
{
    if (isL1(idx))
        return idx != core;
    return idx < m_topology.cores() + m_topology.clusters && idx != l2Index(m_topology.clusterOf(core));
}

// --------------------------------------------------------------------------------------------------
// Slots: install, drop, evict, write back

std::uint32_t MemorySystem::Impl::installCopy(std::size_t idx, std::uint64_t line, const LineBuffer& buffer,
                                              bool dirty)
{
    CacheArray& cache = m_caches[idx];
    const std::uint32_t slot = cache.allocationSlot(line);
    if (cache.valid(slot))
        evict(idx, slot);
    cache.install(slot, line);
    std::memcpy(cache.data(slot).data(), buffer.data.data(), m_lineBytes);
    std::copy_n(buffer.versions.begin(), m_wordsPerLine, cache.versions(slot).begin());
    cache.setDirty(slot, dirty);
    const std::uint64_t page = pageOfLine(line);
    if (m_residentHint == m_residentPerPage.end() || m_residentHint->first != page)
        m_residentHint = m_residentPerPage.try_emplace(page, 0).first;
    ++m_residentHint->second;
    ++m_cachedLines;
    refreshSlot(idx, slot);
    return slot;
}

void MemorySystem::Impl::dropCopy(std::size_t idx, std::uint32_t slot)
{
    CacheArray& cache = m_caches[idx];
    const std::uint64_t page = pageOfLine(cache.lineAt(slot));
    if (cache.divergent(slot))
        m_windows.lineConverged(page, m_cause);
    auto it = m_residentHint != m_residentPerPage.end() && m_residentHint->first == page ? m_residentHint
                                                                                       : m_residentPerPage.find(page);
    if (--it->second == 0) {
        if (it == m_residentHint)
            m_residentHint = m_residentPerPage.end();
        m_residentPerPage.erase(it);
    } else {
        m_residentHint = it;
    }
    --m_cachedLines;
    cache.invalidate(slot);
}

void MemorySystem::Impl::evict(std::size_t idx, std::uint32_t slot)
{
    CacheArray& cache = m_caches[idx];
    const std::uint64_t line = cache.lineAt(slot);
    const char* outerVia = m_op.via;
    m_op.via = "eviction";
    const int next = nextLevel(idx);
    if (cache.dirty(slot)) {
        if (next == kRam)
            writeBackToRam(idx, line, cache.data(slot).data(), cache.versions(slot).data());
        else
            writeBackInto(static_cast<std::size_t>(next), line, cache.data(slot).data(), cache.versions(slot).data());
    } else if (!isL1(idx) && next != kRam) {
        // The system cache is a victim cache of the L2s: clean L2 victims are allocated there too.
        CacheArray& below = m_caches[static_cast<std::size_t>(next)];
        if (const std::uint32_t hit = below.find(line); hit != CacheArray::kMiss) {
            below.touch(hit);
        } else {
            LineBuffer buffer;
            copyOut(idx, slot, buffer);
            installCopy(static_cast<std::size_t>(next), line, buffer, false);
        }
    }
    dropCopy(idx, slot);
    m_op.via = outerVia;
}

void MemorySystem::Impl::writeBackInto(std::size_t idx, std::uint64_t line, const std::uint8_t* data,
                                       const std::uint64_t* versions)
{
    // One-dirty-owner invariant: whatever copy is here is the same age or older, so it is overwritten.
    CacheArray& cache = m_caches[idx];
    std::uint32_t slot = cache.find(line);
    if (slot == CacheArray::kMiss) {
        LineBuffer buffer;
        std::memcpy(buffer.data.data(), data, m_lineBytes);
        std::copy_n(versions, m_wordsPerLine, buffer.versions.begin());
        installCopy(idx, line, buffer, true);
        return;
    }
    std::memcpy(cache.data(slot).data(), data, m_lineBytes);
    std::copy_n(versions, m_wordsPerLine, cache.versions(slot).begin());
    cache.setDirty(slot, true);
    cache.touch(slot);
    refreshSlot(idx, slot);
}

void MemorySystem::Impl::writeBackToRam(std::size_t fromIdx, std::uint64_t line, const std::uint8_t* data,
                                        const std::uint64_t* versions)
{
    RamPage& page = m_ram.get(pageOfLine(line));
    const std::uint32_t base = ramWordIndex(line);
    std::uint32_t clobbered = 0;
    std::uint32_t firstClobbered = 0;
    for (std::uint32_t w = 0; w < m_wordsPerLine; ++w) {
        if (page.versions[base + w] > versions[w] && clobbered++ == 0)
            firstClobbered = w;
    }
    if (clobbered != 0 && m_listener != nullptr) {
        const PhysAddr word = addressOf(line) + firstClobbered * 8u;
        const OraclePage* oracle = m_oracle.find(word >> kPageShift);
        const std::uint32_t oracleWord = base + firstClobbered;
        Clobber record;
        record.time = m_op.time;
        record.address = word;
        record.clobberedWords = clobbered;
        record.origin = locationOf(fromIdx);
        record.lineVersion = versions[firstClobbered];
        record.overwrittenVersion = page.versions[oracleWord];
        // The oracle keeps only the latest write of a word: it names the lost write when that is the one RAM
        // held (the usual case: an uncached write went to RAM and the oracle together).
        if (oracle != nullptr && oracle->version[oracleWord] == record.overwrittenVersion)
            record.overwrittenWrite = WriteOrigin{oracle->writer[oracleWord], oracle->writtenAt[oracleWord]};
        record.cause = describeOperation();
        m_listener->onClobber(record);
    }
    std::memcpy(page.data.data() + (base * 8u), data, m_lineBytes);
    std::copy_n(versions, m_wordsPerLine, page.versions.begin() + base);
    refreshLine(line);
}

void MemorySystem::Impl::cleanSlotOneLevel(std::size_t idx, std::uint32_t slot)
{
    CacheArray& cache = m_caches[idx];
    const std::uint64_t line = cache.lineAt(slot);
    const int next = nextLevel(idx);
    cache.setDirty(slot, false);
    cache.setExclusive(slot, false);
    if (next == kRam)
        writeBackToRam(idx, line, cache.data(slot).data(), cache.versions(slot).data());
    else
        writeBackInto(static_cast<std::size_t>(next), line, cache.data(slot).data(), cache.versions(slot).data());
}

void MemorySystem::Impl::copyOut(std::size_t idx, std::uint32_t slot, LineBuffer& buffer) const
{
    const CacheArray& cache = m_caches[idx];
    std::memcpy(buffer.data.data(), cache.data(slot).data(), m_lineBytes);
    std::copy_n(cache.versions(slot).begin(), m_wordsPerLine, buffer.versions.begin());
}

void MemorySystem::Impl::readRamLine(std::uint64_t line, LineBuffer& buffer) const
{
    const RamPage* page = m_ram.find(pageOfLine(line));
    if (page == nullptr) {
        std::fill_n(buffer.data.begin(), m_lineBytes, std::uint8_t{0});
        std::fill_n(buffer.versions.begin(), m_wordsPerLine, Version{0});
        return;
    }
    const std::uint32_t base = ramWordIndex(line);
    std::memcpy(buffer.data.data(), page->data.data() + (base * 8u), m_lineBytes);
    std::copy_n(page->versions.begin() + base, m_wordsPerLine, buffer.versions.begin());
}

// --------------------------------------------------------------------------------------------------
// Divergence from RAM (drives stale-data windows)

bool MemorySystem::Impl::differsFromRam(std::size_t idx, std::uint32_t slot) const
{
    const CacheArray& cache = m_caches[idx];
    const std::uint64_t line = cache.lineAt(slot);
    const auto versions = cache.versions(slot);
    const RamPage* page = m_ram.find(pageOfLine(line));
    if (page == nullptr)
        return std::any_of(versions.begin(), versions.end(), [](Version v) { return v != 0; });
    return !std::equal(versions.begin(), versions.end(), page->versions.begin() + ramWordIndex(line));
}

void MemorySystem::Impl::refreshSlot(std::size_t idx, std::uint32_t slot)
{
    CacheArray& cache = m_caches[idx];
    const bool differs = differsFromRam(idx, slot);
    if (differs == cache.divergent(slot))
        return;
    cache.setDivergent(slot, differs);
    const std::uint64_t page = pageOfLine(cache.lineAt(slot));
    if (differs)
        m_windows.lineDiverged(page, m_cause);
    else
        m_windows.lineConverged(page, m_cause);
}

void MemorySystem::Impl::refreshLine(std::uint64_t line)
{
    for (std::size_t idx = 0; idx < m_caches.size(); ++idx)
        if (const std::uint32_t slot = m_caches[idx].find(line); slot != CacheArray::kMiss)
            refreshSlot(idx, slot);
}

// --------------------------------------------------------------------------------------------------
// Coherence

std::optional<MemorySystem::Impl::SlotRef> MemorySystem::Impl::findDirty(std::uint64_t line) const
{
    for (std::size_t idx = 0; idx < m_caches.size(); ++idx) {
        const std::uint32_t slot = m_caches[idx].find(line);
        if (slot != CacheArray::kMiss && m_caches[idx].dirty(slot))
            return SlotRef{idx, slot};
    }
    return std::nullopt;
}

std::uint32_t MemorySystem::Impl::fillL1(CoreId core, std::uint64_t line, ValueSource& source, Cycles& cost)
{
    const std::size_t own1 = l1Index(core);
    const std::size_t own2 = l2Index(m_topology.clusterOf(core));
    const std::size_t systemCache = m_topology.cores() + m_topology.clusters;

    // One lookup per cache serves every question below: nothing changes which lines the caches hold until the
    // installs at the end. The source is the dirty owner if any, else the own L2, else the first other cache
    // holding the line, else the system cache (own1 never holds it: callers fill on an L1 miss).
    std::vector<std::uint32_t>& slots = m_fillSlots;
    std::optional<SlotRef> dirtyOwner;
    std::optional<SlotRef> firstOther;
    for (std::size_t idx = 0; idx < m_caches.size(); ++idx) {
        const std::uint32_t slot = m_caches[idx].find(line);
        slots[idx] = slot;
        if (slot == CacheArray::kMiss)
            continue;
        if (!dirtyOwner && m_caches[idx].dirty(slot))
            dirtyOwner = SlotRef{idx, slot};
        if (!firstOther && idx < systemCache && idx != own1)
            firstOther = SlotRef{idx, slot};
    }
    std::optional<SlotRef> from = dirtyOwner;
    if (!from && slots[own2] != CacheArray::kMiss)
        from = SlotRef{own2, slots[own2]};
    if (!from)
        from = firstOther;
    if (!from && m_topology.hasSystemCache() && slots[systemCache] != CacheArray::kMiss)
        from = SlotRef{systemCache, slots[systemCache]};

    LineBuffer buffer;
    if (from) {
        copyOut(from->idx, from->slot, buffer);
        m_caches[from->idx].touch(from->slot);
        source = {false, locationOf(from->idx)};
        if (from->idx == own2)
            cost = m_costs.l2Hit;
        else if (from->idx == systemCache)
            cost = m_costs.systemCacheHit;
        else
            cost = m_costs.remoteCacheHit;
    } else {
        readRamLine(line, buffer);
        source = {true, {}};
        cost = m_costs.ram;
    }
    // Another core now shares the line: no L1 copy elsewhere may be written without a snoop.
    for (CoreId other = 0; other < m_topology.cores(); ++other)
        if (slots[other] != CacheArray::kMiss)
            m_caches[other].setExclusive(slots[other], false);

    if (slots[own2] == CacheArray::kMiss)
        installCopy(own2, line, buffer, false);
    return installCopy(own1, line, buffer, false);
}

void MemorySystem::Impl::takeOwnership(CoreId core, std::uint32_t l1Slot, std::uint64_t line)
{
    CacheArray& own = m_caches[l1Index(core)];
    if (own.exclusive(l1Slot))
        return;
    for (std::size_t idx = 0; idx < m_caches.size(); ++idx) {
        if (idx == l1Index(core))
            continue;
        const std::uint32_t slot = m_caches[idx].find(line);
        if (slot == CacheArray::kMiss)
            continue;
        if (isForeignTo(idx, core)) {
            // A dirty foreign copy holds the same data the writer's line was filled from.
            dropCopy(idx, slot);
        } else {
            m_caches[idx].setDirty(slot, false); // ownership moves up to the writer's L1
        }
    }
    own.setExclusive(l1Slot, true);
}

// --------------------------------------------------------------------------------------------------
// Accesses

void MemorySystem::Impl::writeWords(std::uint8_t* data, std::uint64_t* versions, std::uint32_t offset,
                                    const std::uint8_t* bytes, std::uint32_t length, Version version,
                                    const OraclePage& oracleBefore, std::uint32_t oracleWord)
{
    copyBytes(data + offset, bytes, length);
    if (length == 8 && (offset & 7) == 0) {
        versions[offset / 8] = version; // one whole word: the common store, and the rule below's first case
        return;
    }
    // Partial-word rule: a word only becomes the latest version if the write covers all of it, or the
    // copy already held the latest version of the bytes it does not cover. Otherwise the merged word
    // mixes stale and new bytes and keeps its old version, so a later read of it is still reported.
    const std::uint32_t first = offset / 8;
    const std::uint32_t last = (offset + length - 1) / 8;
    for (std::uint32_t w = first; w <= last; ++w) {
        const std::uint32_t lo = std::max(offset, w * 8);
        const std::uint32_t hi = std::min(offset + length, w * 8 + 8);
        const bool whole = lo == w * 8 && hi == w * 8 + 8;
        if (whole || versions[w] == oracleBefore.version[oracleWord + (w - first)])
            versions[w] = version;
    }
}

// `page` is the oracle page of `address` (the caller already holds it).
void MemorySystem::Impl::updateOracle(OraclePage& page, AgentId agent, PhysAddr address, const std::uint8_t* bytes,
                                      std::uint32_t length, Version version)
{
    const std::uint32_t offset = static_cast<std::uint32_t>(address & (kPageBytes - 1));
    copyBytes(page.value.data() + offset, bytes, length);
    for (std::uint32_t w = offset / 8; w <= (offset + length - 1) / 8; ++w) {
        page.version[w] = version;
        page.writer[w] = agent;
        page.writtenAt[w] = m_op.time;
    }
}

bool MemorySystem::Impl::checkStale(AgentId agent, PhysAddr address, std::uint32_t length,
                                    const std::uint64_t* versions, std::uint32_t firstWord, MemoryType type,
                                    const ValueSource& source)
{
    const OraclePage* oracle = m_oracle.find(address >> kPageShift);
    if (oracle == nullptr)
        return false; // nothing in this page was ever written: every copy holds version 0
    const std::uint32_t offset = static_cast<std::uint32_t>(address & (kPageBytes - 1));
    const std::uint32_t firstOracleWord = offset / 8;
    const std::uint32_t words = (offset + length - 1) / 8 - firstOracleWord + 1;
    for (std::uint32_t i = 0; i < words; ++i)
        if (versions[firstWord + i] < oracle->version[firstOracleWord + i]) {
            reportStale(agent, address, versions, firstWord, words, i, type, source, *oracle);
            return true;
        }
    return false;
}

void MemorySystem::Impl::reportStale(AgentId agent, PhysAddr address, const std::uint64_t* versions,
                                     std::uint32_t firstWord, std::uint32_t words, std::uint32_t firstStale,
                                     MemoryType type, const ValueSource& source, const OraclePage& oracle)
{
    if (m_listener == nullptr)
        return;
    const std::uint32_t firstOracleWord = static_cast<std::uint32_t>((address & (kPageBytes - 1)) / 8);
    std::uint32_t stale = 0;
    for (std::uint32_t i = firstStale; i < words; ++i)
        if (versions[firstWord + i] < oracle.version[firstOracleWord + i])
            ++stale;
    const std::uint32_t oracleWord = firstOracleWord + firstStale;
    StaleRead record;
    record.time = m_op.time;
    record.agent = agent;
    record.core = m_agents[agent].core;
    record.address = (address & ~PhysAddr{7}) + firstStale * 8u;
    record.staleWords = stale;
    record.type = type;
    record.versionReturned = versions[firstWord + firstStale];
    record.latestVersion = oracle.version[oracleWord];
    record.latestWriter = oracle.writer[oracleWord];
    record.latestWrittenAt = oracle.writtenAt[oracleWord];
    record.source = source;
    record.latestHeldIn = whereIsVersion(record.address, record.latestVersion);
    m_listener->onStaleRead(record);
}

std::optional<ValueSource> MemorySystem::Impl::whereIsVersion(PhysAddr wordAddress, Version version) const
{
    const std::uint64_t line = lineOf(wordAddress);
    const std::uint32_t w = static_cast<std::uint32_t>((wordAddress & (m_lineBytes - 1)) >> 3);
    // The dirty owner first: it is the copy RAM is "behind"; clean copies of the same version follow.
    std::optional<ValueSource> clean;
    for (std::size_t idx = 0; idx < m_caches.size(); ++idx) {
        const std::uint32_t slot = m_caches[idx].find(line);
        if (slot == CacheArray::kMiss || m_caches[idx].versions(slot)[w] != version)
            continue;
        if (m_caches[idx].dirty(slot))
            return ValueSource{false, locationOf(idx)};
        if (!clean)
            clean = ValueSource{false, locationOf(idx)};
    }
    if (clean)
        return clean;
    const RamPage* page = m_ram.find(wordAddress >> kPageShift);
    if (page != nullptr && page->versions[(wordAddress & (kPageBytes - 1)) >> 3] == version)
        return ValueSource{true, {}};
    return std::nullopt;
}

bool MemorySystem::Impl::readChunk(AgentId agent, PhysAddr address, std::uint8_t* out, std::uint32_t length,
                                   MemoryType type, AccessResult& result, bool first)
{
    const AgentInfo& info = m_agents[agent];
    const std::uint64_t line = lineOf(address);
    const std::uint32_t offset = static_cast<std::uint32_t>(address & (m_lineBytes - 1));
    ValueSource source;
    Cycles cost = 0;
    const std::uint64_t* versions = nullptr;
    std::uint32_t firstWord = offset / 8;

    if (isCacheable(type) && info.core) {
        CacheArray& l1 = m_caches[l1Index(*info.core)];
        std::uint32_t slot = l1.find(line);
        if (slot != CacheArray::kMiss) {
            l1.touch(slot);
            source = {false, {CacheLevel::L1, *info.core}};
            cost = m_costs.l1Hit;
        } else {
            slot = fillL1(*info.core, line, source, cost);
        }
        std::memcpy(out, l1.data(slot).data() + offset, length);
        versions = l1.versions(slot).data();
    } else {
        // Non-cacheable, Device, or a device without a core: straight to RAM (see memory_system.h).
        const RamPage* page = m_ram.find(address >> kPageShift);
        const std::uint32_t pageOffset = static_cast<std::uint32_t>(address & (kPageBytes - 1));
        if (page != nullptr) {
            std::memcpy(out, page->data.data() + pageOffset, length);
            versions = page->versions.data();
        } else {
            // Never-written RAM: zeros at version 0.
            static constexpr std::array<std::uint64_t, kMaxWordsPerLine> kUnwritten{};
            std::memset(out, 0, length);
            versions = kUnwritten.data();
            firstWord = 0;
        }
        if (page != nullptr)
            firstWord = pageOffset / 8;
        source = {true, {}};
        cost = m_costs.ram;
    }
    result.cost += cost;
    if (first)
        result.source = source;
    return checkStale(agent, address, length, versions, firstWord, type, source);
}

void MemorySystem::Impl::writeChunk(AgentId agent, PhysAddr address, const std::uint8_t* bytes,
                                    std::uint32_t length, MemoryType type, Version version, Cycles& cost)
{
    const AgentInfo& info = m_agents[agent];
    const std::uint64_t line = lineOf(address);
    const std::uint32_t offset = static_cast<std::uint32_t>(address & (m_lineBytes - 1));
    // Created here if new: the write below goes into it. Pages are never freed, so the reference survives the
    // fills and evictions in between.
    OraclePage& oracle = m_oracle.get(address >> kPageShift);
    const std::uint32_t oracleWord = static_cast<std::uint32_t>((address & (kPageBytes - 1)) >> 3);
    const bool cacheable = isCacheable(type) && info.core.has_value();

    if (cacheable && type == MemoryType::NormalWriteBack) {
        CacheArray& l1 = m_caches[l1Index(*info.core)];
        std::uint32_t slot = l1.find(line);
        if (slot != CacheArray::kMiss) {
            l1.touch(slot);
            cost += m_costs.l1Hit;
        } else {
            ValueSource ignored;
            Cycles fillCost = 0;
            slot = fillL1(*info.core, line, ignored, fillCost);
            cost += fillCost;
        }
        if (!l1.exclusive(slot))
            takeOwnership(*info.core, slot, line);
        // writeWords reads the oracle's versions from before this write: it goes first.
        writeWords(l1.data(slot).data(), l1.versions(slot).data(), offset, bytes, length, version, oracle,
                   oracleWord);
        l1.setDirty(slot, true);
        updateOracle(oracle, agent, address, bytes, length, version);
        if (!l1.divergent(slot))
            refreshSlot(l1Index(*info.core), slot);
        return;
    }

    if (cacheable) {
        // Write-through: coherent, so a dirty owner elsewhere is written back first (as a snoop would);
        // hitting copies on the writer's path are updated, other cores' and clusters' copies dropped.
        const char* outerVia = m_op.via;
        m_op.via = "write-through snoop";
        while (auto owner = findDirty(line))
            cleanSlotOneLevel(owner->idx, owner->slot); // down one level per step until RAM holds it
        m_op.via = outerVia;
        for (std::size_t idx = 0; idx < m_caches.size(); ++idx) {
            const std::uint32_t slot = m_caches[idx].find(line);
            if (slot == CacheArray::kMiss)
                continue;
            if (isForeignTo(idx, *info.core)) {
                dropCopy(idx, slot);
            } else {
                writeWords(m_caches[idx].data(slot).data(), m_caches[idx].versions(slot).data(), offset, bytes,
                           length, version, oracle, oracleWord);
                m_caches[idx].touch(slot);
            }
        }
    }
    // Non-cacheable, Device, and the RAM half of write-through.
    RamPage& page = m_ram.get(address >> kPageShift);
    const std::uint32_t pageOffset = static_cast<std::uint32_t>(address & (kPageBytes - 1));
    const std::uint32_t lineBase = pageOffset & ~(m_lineBytes - 1);
    writeWords(page.data.data() + lineBase, page.versions.data() + lineBase / 8, offset, bytes, length, version,
               oracle, oracleWord);
    updateOracle(oracle, agent, address, bytes, length, version);
    cost += m_costs.ram;
    if (pageResident(pageOfLine(line)))
        refreshLine(line);
}

// --------------------------------------------------------------------------------------------------
// Maintenance

MaintenanceResult MemorySystem::Impl::lineOp(ByAddressOp op, std::uint64_t line, MemoryType type)
{
    MaintenanceResult result;
    result.linesIssued = 1;
    result.cost = m_costs.maintenancePerLine;
    switch (op) {
    case ByAddressOp::CleanToPoC:
    case ByAddressOp::CleanInvalidateToPoC: {
        if (auto owner = findDirty(line)) {
            // Clean to the PoC: the dirty data passes through every level below and reaches RAM; every
            // copy then holds it (a copy below the owner was older, one elsewhere was equal).
            LineBuffer buffer;
            copyOut(owner->idx, owner->slot, buffer);
            m_caches[owner->idx].setDirty(owner->slot, false);
            m_caches[owner->idx].setExclusive(owner->slot, false);
            for (std::size_t idx = 0; idx < m_caches.size(); ++idx)
                if (const std::uint32_t slot = m_caches[idx].find(line); slot != CacheArray::kMiss && idx != owner->idx) {
                    std::memcpy(m_caches[idx].data(slot).data(), buffer.data.data(), m_lineBytes);
                    std::copy_n(buffer.versions.begin(), m_wordsPerLine, m_caches[idx].versions(slot).begin());
                }
            writeBackToRam(owner->idx, line, buffer.data.data(), buffer.versions.data());
            ++result.linesCleaned;
            result.cost += m_costs.dirtyWriteBack;
        }
        if (op == ByAddressOp::CleanInvalidateToPoC)
            for (std::size_t idx = 0; idx < m_caches.size(); ++idx)
                if (const std::uint32_t slot = m_caches[idx].find(line); slot != CacheArray::kMiss) {
                    dropCopy(idx, slot);
                    ++result.linesInvalidated;
                }
        break;
    }
    case ByAddressOp::InvalidateToPoC:
        for (std::size_t idx = 0; idx < m_caches.size(); ++idx)
            if (const std::uint32_t slot = m_caches[idx].find(line); slot != CacheArray::kMiss) {
                if (m_caches[idx].dirty(slot))
                    ++result.dirtyDiscarded;
                dropCopy(idx, slot);
                ++result.linesInvalidated;
            }
        break;
    case ByAddressOp::CleanToPoU:
        // The PoU is the cluster L2 (LoUU = LoUIS = 1): only a dirty L1 copy has anything to clean.
        if (auto owner = findDirty(line); owner && isL1(owner->idx)) {
            cleanSlotOneLevel(owner->idx, owner->slot);
            ++result.linesCleaned;
            result.cost += m_costs.dirtyWriteBack;
        }
        break;
    case ByAddressOp::ZeroBlock: {
        // DC ZVA writes zeros to the block (DCZID_EL0.BS = one line here) with the address's type. It is
        // a store; the caller converts Device memory into the alignment fault the Arm ARM requires.
        const std::array<std::uint8_t, kMaxLineBytes> zeros{};
        const Version version = ++m_lastVersion;
        Cycles cost = 0;
        writeChunk(*m_op.agent, addressOf(line), zeros.data(), m_lineBytes, type, version, cost);
        result.cost += cost;
        break;
    }
    }
    return result;
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

void MemorySystem::pauseMaintenanceReports()
{
    ++m_impl->m_maintenanceReportPauses;
}

void MemorySystem::resumeMaintenanceReports()
{
    --m_impl->m_maintenanceReportPauses;
}

void MemorySystem::Impl::reportMaintenance(AgentId agent, bool bySetWay, std::uint8_t op, PhysAddr address,
                                           std::uint64_t bytes, const MaintenanceResult& result)
{
    if (m_listener == nullptr || m_maintenanceReportPauses != 0)
        return;
    MaintenanceReport report;
    report.time = m_op.time;
    report.agent = agent;
    report.core = m_op.core;
    report.bySetWay = bySetWay;
    report.op = op;
    report.address = address;
    report.bytes = bytes;
    report.linesCleaned = result.linesCleaned;
    report.linesInvalidated = result.linesInvalidated;
    report.dirtyDiscarded = result.dirtyDiscarded;
    m_listener->onMaintenance(report);
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

AccessResult MemorySystem::read(AgentId agent, PhysAddr address, std::span<std::uint8_t> out, MemoryType type)
{
    Impl& impl = *m_impl;
    const AgentInfo& info = impl.agentInfo(agent);
    impl.begin("read", agent, info.core);
    AccessResult result;
    // Fast path: a cacheable access within one line that hits in the agent's L1, what most guest loads are. It
    // does exactly what readChunk does for that case, without the generic chunk loop and miss handling.
    const auto offset = static_cast<std::uint32_t>(address & (impl.m_lineBytes - 1));
    if (!out.empty() && out.size() <= impl.m_lineBytes - offset && isCacheable(type) && info.core) {
        CacheArray& l1 = impl.m_caches[impl.l1Index(*info.core)];
        if (const std::uint32_t slot = l1.find(impl.lineOf(address)); slot != CacheArray::kMiss) {
            const auto length = static_cast<std::uint32_t>(out.size());
            l1.touch(slot);
            copyBytes(out.data(), l1.data(slot).data() + offset, length);
            result.cost = impl.m_costs.l1Hit;
            result.source = {false, {CacheLevel::L1, *info.core}};
            result.stale =
                impl.checkStale(agent, address, length, l1.versions(slot).data(), offset / 8, type, result.source);
            impl.charge(result.cost);
            return result;
        }
    }
    std::size_t done = 0;
    while (done < out.size()) {
        const PhysAddr at = address + done;
        const std::uint32_t inLine = impl.m_lineBytes - static_cast<std::uint32_t>(at & (impl.m_lineBytes - 1));
        const auto length = static_cast<std::uint32_t>(std::min<std::size_t>(inLine, out.size() - done));
        result.stale |= impl.readChunk(agent, at, out.data() + done, length, type, result, done == 0);
        done += length;
    }
    impl.charge(result.cost);
    return result;
}

AccessResult MemorySystem::write(AgentId agent, PhysAddr address, std::span<const std::uint8_t> bytes,
                                 MemoryType type)
{
    Impl& impl = *m_impl;
    const AgentInfo& info = impl.agentInfo(agent);
    impl.begin("write", agent, info.core);
    AccessResult result;
    const Version version = ++impl.m_lastVersion;
    // Fast path: a write-back store within one line that hits in the agent's L1, what most guest stores are.
    // It does exactly what writeChunk does for that case, without the generic chunk loop and miss handling.
    const auto offset = static_cast<std::uint32_t>(address & (impl.m_lineBytes - 1));
    if (type == MemoryType::NormalWriteBack && info.core && !bytes.empty() &&
        bytes.size() <= impl.m_lineBytes - offset) {
        const std::size_t l1Index = impl.l1Index(*info.core);
        CacheArray& l1 = impl.m_caches[l1Index];
        const std::uint64_t line = impl.lineOf(address);
        if (const std::uint32_t slot = l1.find(line); slot != CacheArray::kMiss) {
            const auto length = static_cast<std::uint32_t>(bytes.size());
            OraclePage& oracle = impl.m_oracle.get(address >> kPageShift);
            const auto oracleWord = static_cast<std::uint32_t>((address & (kPageBytes - 1)) >> 3);
            l1.touch(slot);
            if (!l1.exclusive(slot))
                impl.takeOwnership(*info.core, slot, line);
            // writeWords reads the oracle's versions from before this write: it goes first.
            impl.writeWords(l1.data(slot).data(), l1.versions(slot).data(), offset, bytes.data(), length, version,
                            oracle, oracleWord);
            l1.setDirty(slot, true);
            impl.updateOracle(oracle, agent, address, bytes.data(), length, version);
            if (!l1.divergent(slot))
                impl.refreshSlot(l1Index, slot);
            result.cost = impl.m_costs.l1Hit;
            impl.charge(result.cost);
            return result;
        }
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        const PhysAddr at = address + done;
        const std::uint32_t inLine = impl.m_lineBytes - static_cast<std::uint32_t>(at & (impl.m_lineBytes - 1));
        const auto length = static_cast<std::uint32_t>(std::min<std::size_t>(inLine, bytes.size() - done));
        impl.writeChunk(agent, at, bytes.data() + done, length, type, version, result.cost);
        done += length;
    }
    impl.charge(result.cost);
    return result;
}

MaintenanceResult MemorySystem::maintainByAddress(AgentId agent, ByAddressOp op, PhysAddr address, MemoryType type)
{
    Impl& impl = *m_impl;
    impl.begin(toString(op), agent, impl.agentInfo(agent).core);
    const std::uint64_t line = impl.lineOf(address);
    MaintenanceResult result = impl.lineOp(op, line, type);
    impl.charge(result.cost);
    impl.reportMaintenance(agent, false, static_cast<std::uint8_t>(op), impl.addressOf(line), impl.m_lineBytes, result);
    return result;
}

MaintenanceResult MemorySystem::maintainRange(AgentId agent, ByAddressOp op, PhysAddr base, std::uint64_t length)
{
    Impl& impl = *m_impl;
    if (op == ByAddressOp::ZeroBlock)
        throw std::invalid_argument("maintainRange: DC ZVA is a store; write the zeros instead");
    impl.begin(toString(op), agent, impl.agentInfo(agent).core);
    MaintenanceResult result;
    if (length == 0)
        return result;
    const std::uint64_t firstLine = impl.lineOf(base);
    const std::uint64_t endLine = impl.lineOf(base + length - 1) + 1;
    result.linesIssued = endLine - firstLine;
    result.cost = result.linesIssued * impl.m_costs.maintenancePerLine;

    // Only pages with a cached line can be affected: walk those, in address order, and then only the
    // lines of each page that are inside the range. The list is copied because the operations change it.
    const std::uint64_t firstPage = impl.addressOf(firstLine) >> kPageShift;
    const std::uint64_t endPage = ((impl.addressOf(endLine) - 1) >> kPageShift) + 1;
    std::vector<std::uint64_t> pages;
    for (auto it = impl.m_residentPerPage.lower_bound(firstPage);
         it != impl.m_residentPerPage.end() && it->first < endPage; ++it)
        pages.push_back(it->first);
    const std::uint64_t linesPerPage = kPageBytes >> impl.m_lineShift;
    for (std::uint64_t page : pages) {
        const std::uint64_t pageFirstLine = std::max(firstLine, page * linesPerPage);
        const std::uint64_t pageEndLine = std::min(endLine, (page + 1) * linesPerPage);
        for (std::uint64_t line = pageFirstLine; line < pageEndLine; ++line) {
            if (!impl.pageResident(page))
                break;
            const MaintenanceResult one = impl.lineOp(op, line, MemoryType::NormalWriteBack);
            result.linesCleaned += one.linesCleaned;
            result.linesInvalidated += one.linesInvalidated;
            result.dirtyDiscarded += one.dirtyDiscarded;
            result.cost += one.cost - impl.m_costs.maintenancePerLine; // issue cost already counted
        }
    }
    impl.charge(result.cost);
    impl.reportMaintenance(agent, false, static_cast<std::uint8_t>(op), impl.addressOf(firstLine),
                           impl.addressOf(endLine) - impl.addressOf(firstLine), result);
    return result;
}

MaintenanceResult MemorySystem::maintainBySetWay(AgentId agent, SetWayOp op, std::uint64_t operand)
{
    Impl& impl = *m_impl;
    const AgentInfo& info = impl.agentInfo(agent);
    if (!info.core)
        throw std::invalid_argument(fmt::format("agent {} has no core to run DC {} on", info.name, toString(op)));
    impl.begin(toString(op), agent, info.core);
    MaintenanceResult result;
    result.linesIssued = 1;
    result.cost = impl.m_costs.maintenancePerLine;
    const DecodedSetWay decoded = decodeSetWay(operand, impl.m_topology);
    if (!decoded.inRange) {
        // CONSTRAINED UNPREDICTABLE (Arm ARM D7.5.9.2): this model performs maintenance on no line.
        result.outOfRange = true;
    } else {
        const std::size_t idx = decoded.operand.level == 1 ? impl.l1Index(*info.core)
                                                           : impl.l2Index(impl.m_topology.clusterOf(*info.core));
        CacheArray& cache = impl.m_caches[idx];
        const std::uint32_t slot = decoded.operand.set * cache.ways() + decoded.operand.way;
        if (cache.valid(slot)) {
            const bool dirty = cache.dirty(slot);
            // "Clean by set/way cleans from the level specified through to at least the next level"
            // (D7.5.8.2.2): L1 -> cluster L2, L2 -> system cache (which set/way never reaches itself).
            if (op != SetWayOp::Invalidate && dirty) {
                impl.cleanSlotOneLevel(idx, slot);
                ++result.linesCleaned;
                result.cost += impl.m_costs.dirtyWriteBack;
            }
            if (op != SetWayOp::Clean) {
                if (op == SetWayOp::Invalidate && dirty)
                    ++result.dirtyDiscarded;
                impl.dropCopy(idx, slot);
                ++result.linesInvalidated;
            }
        }
    }
    impl.charge(result.cost);
    impl.reportMaintenance(agent, true, static_cast<std::uint8_t>(op), operand, 0, result);
    return result;
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

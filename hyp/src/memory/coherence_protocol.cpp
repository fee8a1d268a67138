// The coherence protocol: finding the dirty owner, filling an L1 from the best source, taking ownership to write.
#include "memory_system_impl.h"

#include <optional>
#include <vector>

namespace vcm::hyp::memory {

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

} // namespace vcm::hyp::memory

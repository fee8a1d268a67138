// Reads and writes: the public entry points with their L1-hit fast paths, and the line-chunk paths behind them.
#include "memory_system_impl.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace vcm::hyp::memory {

// --------------------------------------------------------------------------------------------------
// Accesses, one line chunk at a time

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
// Public interface

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

} // namespace vcm::hyp::memory

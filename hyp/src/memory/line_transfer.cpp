// Cache slots: installing, dropping and evicting copies, writing dirty data back, and whether a copy differs from RAM.
#include "memory_system_impl.h"

#include <algorithm>
#include <cstring>

namespace vcm::hyp::memory {

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

} // namespace vcm::hyp::memory

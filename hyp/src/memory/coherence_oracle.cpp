// The coherence oracle: what each write leaves in a copy, the latest version of every word, stale-read reports.
#include "memory_system_impl.h"

#include <algorithm>
#include <optional>

namespace vcm::hyp::memory {

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

} // namespace vcm::hyp::memory

// One set-associative cache holding lines with their bytes and per-word versions.
//
// Storage is flat (struct of arrays indexed by slot = set * ways + way) so a lookup touches one small
// tag range and a hit copies straight out of one contiguous buffer. Sets are addressed by
// line number modulo the set count, which handles non-power-of-two geometries; a power-of-two count
// takes the mask fast path.
#pragma once

#include "replacement_policy.h"

#include "vcm/hyp/memory/cache_geometry.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vcm::hyp::memory {

class CacheArray {
public:
    static constexpr std::uint64_t kNoLine = ~std::uint64_t{0};
    static constexpr std::uint32_t kMiss = ~std::uint32_t{0};

    CacheArray(const CacheGeometry& geometry, std::uint32_t lineBytes, std::uint64_t seed);

    std::uint32_t sets() const { return m_sets; }
    std::uint32_t ways() const { return m_ways; }
    std::uint32_t slots() const { return m_sets * m_ways; }

    std::uint32_t setOf(std::uint64_t lineNumber) const
    {
        return static_cast<std::uint32_t>(m_setMask != 0 ? (lineNumber & m_setMask) : (lineNumber % m_sets));
    }

    // The slot holding the line, or kMiss.
    std::uint32_t find(std::uint64_t lineNumber) const
    {
        const std::uint32_t base = setOf(lineNumber) * m_ways;
        for (std::uint32_t way = 0; way < m_ways; ++way)
            if (m_line[base + way] == lineNumber)
                return base + way;
        return kMiss;
    }

    // The slot a new line of this set goes to: an invalid way if any, else the policy's victim
    // (which the caller must evict first).
    std::uint32_t allocationSlot(std::uint64_t lineNumber);

    bool valid(std::uint32_t slot) const { return m_line[slot] != kNoLine; }
    std::uint64_t lineAt(std::uint32_t slot) const { return m_line[slot]; }
    bool dirty(std::uint32_t slot) const { return (m_flags[slot] & kDirty) != 0; }
    bool exclusive(std::uint32_t slot) const { return (m_flags[slot] & kExclusive) != 0; }
    bool divergent(std::uint32_t slot) const { return (m_flags[slot] & kDivergent) != 0; }
    void setDirty(std::uint32_t slot, bool on) { setFlag(slot, kDirty, on); }
    void setExclusive(std::uint32_t slot, bool on) { setFlag(slot, kExclusive, on); }
    void setDivergent(std::uint32_t slot, bool on) { setFlag(slot, kDivergent, on); }

    std::span<std::uint8_t> data(std::uint32_t slot)
    {
        return {m_data.data() + std::size_t{slot} * m_lineBytes, m_lineBytes};
    }
    std::span<std::uint64_t> versions(std::uint32_t slot)
    {
        return {m_versions.data() + std::size_t{slot} * m_wordsPerLine, m_wordsPerLine};
    }
    std::span<const std::uint8_t> data(std::uint32_t slot) const
    {
        return {m_data.data() + std::size_t{slot} * m_lineBytes, m_lineBytes};
    }
    std::span<const std::uint64_t> versions(std::uint32_t slot) const
    {
        return {m_versions.data() + std::size_t{slot} * m_wordsPerLine, m_wordsPerLine};
    }

    // Installs a line (data and versions copied in by the caller afterwards) and marks it used.
    void install(std::uint32_t slot, std::uint64_t lineNumber);
    void touch(std::uint32_t slot)
    {
        // Every hit touches: with LRU (the default) call it directly rather than through the vtable.
        if (m_lru != nullptr)
            m_lru->touch(slot);
        else
            m_replacement->touch(slot);
    }
    void invalidate(std::uint32_t slot);

private:
    static constexpr std::uint8_t kDirty = 1;
    static constexpr std::uint8_t kExclusive = 2; // no other cache holds the line: a write needs no snoop
    static constexpr std::uint8_t kDivergent = 4; // versions differ from RAM's

    void setFlag(std::uint32_t slot, std::uint8_t flag, bool on)
    {
        m_flags[slot] = static_cast<std::uint8_t>(on ? (m_flags[slot] | flag) : (m_flags[slot] & ~flag));
    }

    std::uint32_t m_sets;
    std::uint32_t m_ways;
    std::uint32_t m_lineBytes;
    std::uint32_t m_wordsPerLine;
    std::uint64_t m_setMask; // sets - 1 when sets is a power of two, else 0
    std::vector<std::uint64_t> m_line;
    std::vector<std::uint8_t> m_flags;
    std::vector<std::uint8_t> m_data;
    std::vector<std::uint64_t> m_versions;
    std::unique_ptr<ReplacementPolicy> m_replacement;
    LruReplacement* m_lru; // m_replacement when it is LRU, else null
};

} // namespace vcm::hyp::memory

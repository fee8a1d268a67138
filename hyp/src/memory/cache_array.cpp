#include "cache_array.h"

#include <bit>

namespace vcm::hyp::memory {

CacheArray::CacheArray(const CacheGeometry& geometry, std::uint32_t lineBytes, std::uint64_t seed)
    : m_sets(geometry.sets(lineBytes)), m_ways(geometry.ways), m_lineBytes(lineBytes),
      m_wordsPerLine(lineBytes / 8), m_setMask(std::has_single_bit(m_sets) ? m_sets - 1 : 0),
      m_line(std::size_t{m_sets} * m_ways, kNoLine), m_flags(std::size_t{m_sets} * m_ways, 0),
      m_data(std::size_t{m_sets} * m_ways * lineBytes, 0), m_versions(std::size_t{m_sets} * m_ways * m_wordsPerLine, 0),
      m_replacement(ReplacementPolicy::create(geometry.replacement, m_sets, m_ways, seed)),
      m_lru(dynamic_cast<LruReplacement*>(m_replacement.get()))
{
}

std::uint32_t CacheArray::allocationSlot(std::uint64_t lineNumber)
{
    const std::uint32_t set = setOf(lineNumber);
    const std::uint32_t base = set * m_ways;
    for (std::uint32_t way = 0; way < m_ways; ++way)
        if (m_line[base + way] == kNoLine)
            return base + way;
    return base + m_replacement->victimWay(set);
}

void CacheArray::install(std::uint32_t slot, std::uint64_t lineNumber)
{
    m_line[slot] = lineNumber;
    m_flags[slot] = 0;
    m_replacement->touch(slot);
}

void CacheArray::invalidate(std::uint32_t slot)
{
    m_line[slot] = kNoLine;
    m_flags[slot] = 0;
    m_replacement->invalidate(slot);
}

} // namespace vcm::hyp::memory

#include "replacement_policy.h"

namespace vcm::hyp::memory {

LruReplacement::LruReplacement(std::uint32_t sets, std::uint32_t ways)
    : m_ways(ways), m_stamp(std::size_t{sets} * ways, 0)
{
}

std::uint32_t LruReplacement::victimWay(std::uint32_t set)
{
    const std::size_t base = std::size_t{set} * m_ways;
    std::uint32_t victim = 0;
    for (std::uint32_t way = 1; way < m_ways; ++way)
        if (m_stamp[base + way] < m_stamp[base + victim])
            victim = way;
    return victim;
}

std::unique_ptr<ReplacementPolicy> ReplacementPolicy::create(ReplacementKind kind, std::uint32_t sets,
                                                             std::uint32_t ways, std::uint64_t seed)
{
    if (kind == ReplacementKind::Random)
        return std::make_unique<RandomReplacement>(ways, seed);
    return std::make_unique<LruReplacement>(sets, ways);
}

} // namespace vcm::hyp::memory

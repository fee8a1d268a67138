#include "vcm/hyp/memory/speculation_engine.h"

#include <fmt/core.h>
#include <stdexcept>

namespace vcm::hyp::memory {

SpeculationEngine::SpeculationEngine(MemorySystem& memory, std::uint64_t seed, std::uint64_t fillsPerMillionCycles)
    : m_memory(memory), m_rng(seed), m_fillsPerMillionCycles(fillsPerMillionCycles),
      m_credit(memory.topology().cores(), 0)
{
}

MappingId SpeculationEngine::addCacheableMapping(std::optional<CoreId> core, PhysAddr base, std::uint64_t length,
                                                 std::string owner)
{
    if (core && *core >= m_memory.topology().cores())
        throw std::out_of_range(fmt::format("mapping {}: core {} does not exist", owner, *core));
    if (length == 0)
        throw std::invalid_argument(fmt::format("mapping {}: empty range", owner));
    m_mappings.push_back({core, base, length, std::move(owner), true});
    return static_cast<MappingId>(m_mappings.size() - 1);
}

void SpeculationEngine::removeCacheableMapping(MappingId id)
{
    if (id >= m_mappings.size())
        throw std::out_of_range(fmt::format("unknown speculation mapping {}", id));
    m_mappings[id].active = false;
}

std::uint64_t SpeculationEngine::step(CoreId core, Cycles elapsed)
{
    std::uint64_t& credit = m_credit.at(core);
    credit += elapsed * m_fillsPerMillionCycles;
    const std::uint64_t due = credit / 1'000'000;
    credit %= 1'000'000;
    if (due == 0)
        return 0;

    std::uint64_t eligibleBytes = 0;
    for (const Mapping& m : m_mappings)
        if (m.active && (!m.core || *m.core == core))
            eligibleBytes += m.length;
    if (eligibleBytes == 0)
        return 0;

    const std::uint64_t lineBytes = m_memory.topology().lineBytes;
    for (std::uint64_t i = 0; i < due; ++i) {
        // Uniform over the eligible bytes, then the line containing that byte.
        std::uint64_t pick = m_rng() % eligibleBytes;
        for (const Mapping& m : m_mappings) {
            if (!m.active || (m.core && *m.core != core))
                continue;
            if (pick < m.length) {
                m_memory.speculativeFill(core, (m.base + pick) & ~(lineBytes - 1));
                break;
            }
            pick -= m.length;
        }
    }
    return due;
}

std::uint64_t SpeculationEngine::stepMapping(MappingId id, CoreId core, Cycles elapsed,
                                             std::uint64_t fillsPerMillionCycles)
{
    const Mapping& m = m_mappings.at(id);
    if (!m.active || (m.core && *m.core != core))
        return 0;
    const std::uint64_t due = elapsed * fillsPerMillionCycles / 1'000'000;
    const std::uint64_t lineBytes = m_memory.topology().lineBytes;
    for (std::uint64_t i = 0; i < due; ++i)
        m_memory.speculativeFill(core, (m.base + m_rng() % m.length) & ~(lineBytes - 1));
    return due;
}

} // namespace vcm::hyp::memory

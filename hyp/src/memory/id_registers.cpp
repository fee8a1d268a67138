// CLIDR_EL1, CCSIDR_EL1 and CTR_EL0 computed from the geometry (Arm ARM D24.2.33, D24.2.x, D24.2.y).
#include "vcm/hyp/memory/id_registers.h"

#include <bit>

namespace vcm::hyp::memory {
namespace {

constexpr std::uint64_t kLevels = 2; // L1 and L2 are described; the system cache never is

unsigned log2Exact(std::uint64_t value)
{
    return static_cast<unsigned>(std::countr_zero(value));
}

} // namespace

std::uint64_t clidrEl1(const MachineTopology& /*topology*/)
{
    using namespace clidr;
    std::uint64_t value = 0;
    value |= kCtypeDataOnly << ctypeShift(1);
    value |= kCtypeUnified << ctypeShift(2);
    value |= std::uint64_t{1} << kLoUIS;
    value |= kLevels << kLoC;
    value |= std::uint64_t{1} << kLoUU;
    return value;
}

std::optional<CacheGeometry> setWayLevelGeometry(const MachineTopology& topology, unsigned level)
{
    if (level == 1)
        return topology.l1;
    if (level == 2)
        return topology.l2;
    return std::nullopt;
}

std::uint64_t ccsidrEl1(const MachineTopology& topology, std::uint64_t csselr)
{
    const bool instruction = (csselr & 1) != 0;
    const unsigned level = static_cast<unsigned>((csselr >> 1) & 7) + 1;
    const auto geometry = setWayLevelGeometry(topology, level);
    if (instruction || !geometry)
        return 0;
    const std::uint64_t lineSize = log2Exact(topology.lineBytes) - 4;
    const std::uint64_t associativity = geometry->ways - 1;
    const std::uint64_t numSets = geometry->sets(topology.lineBytes) - 1;
    return (numSets << 13) | (associativity << 3) | lineSize;
}

std::uint64_t ctrEl0(const MachineTopology& topology)
{
    // Line sizes in CTR_EL0 are log2 of the number of 4-byte words.
    const std::uint64_t lineWords = log2Exact(topology.lineBytes / 4);
    constexpr std::uint64_t kRes1 = std::uint64_t{1} << 31;
    constexpr std::uint64_t kL1IpPipt = 0b11;
    return kRes1 | (lineWords << 24) /*CWG*/ | (lineWords << 20) /*ERG*/ | (lineWords << 16) /*DminLine*/ |
           (kL1IpPipt << 14) | lineWords /*IminLine*/;
}

std::uint64_t dczidEl0(const MachineTopology& topology)
{
    return log2Exact(topology.lineBytes / 4);
}

} // namespace vcm::hyp::memory

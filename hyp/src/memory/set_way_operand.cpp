// Set/way operand layout (Arm ARM C5.3.x DC CISW; G8.2.45 DCISW).
#include "vcm/hyp/memory/set_way_operand.h"

#include "vcm/hyp/memory/id_registers.h"

#include <bit>

namespace vcm::hyp::memory {
namespace {

// ceil(log2(n)) for n >= 1.
unsigned ceilLog2(std::uint64_t n)
{
    return n <= 1 ? 0u : static_cast<unsigned>(std::bit_width(n - 1));
}

} // namespace

SetWayFieldLayout SetWayFieldLayout::of(const CacheGeometry& geometry, std::uint32_t lineBytes)
{
    SetWayFieldLayout layout;
    layout.wayShift = 32 - ceilLog2(geometry.ways);
    layout.setShift = static_cast<unsigned>(std::countr_zero(lineBytes));
    layout.setBits = ceilLog2(geometry.sets(lineBytes));
    return layout;
}

std::uint64_t encodeSetWay(const SetWayOperand& operand, const SetWayFieldLayout& layout)
{
    std::uint64_t raw = std::uint64_t{operand.level - 1} << 1;
    raw |= std::uint64_t{operand.set} << layout.setShift;
    if (layout.wayShift < 32)
        raw |= (std::uint64_t{operand.way} << layout.wayShift) & 0xffffffffu;
    return raw;
}

DecodedSetWay decodeSetWay(std::uint64_t raw, const MachineTopology& topology)
{
    DecodedSetWay decoded;
    decoded.operand.level = static_cast<unsigned>((raw >> 1) & 7) + 1;
    const auto geometry = setWayLevelGeometry(topology, decoded.operand.level);
    if (!geometry)
        return decoded; // a level CLIDR does not describe
    const SetWayFieldLayout layout = SetWayFieldLayout::of(*geometry, topology.lineBytes);
    const std::uint64_t low = raw & 0xffffffffu; // bits [63:32] are RES0
    decoded.operand.way = layout.wayShift < 32 ? static_cast<std::uint32_t>(low >> layout.wayShift) : 0;
    const std::uint64_t setMask = (std::uint64_t{1} << layout.setBits) - 1;
    decoded.operand.set = static_cast<std::uint32_t>((low >> layout.setShift) & setMask);
    decoded.inRange = decoded.operand.way < geometry->ways && decoded.operand.set < geometry->sets(topology.lineBytes);
    return decoded;
}

} // namespace vcm::hyp::memory

// The operand of DC ISW / CSW / CISW, encoded and decoded exactly as the Arm ARM lays it out.
//
// DC CISW (C6.2.x, and DCISW G8.2.45): Level bits[3:1] = cache level - 1; Set bits[B-1:L];
// Way bits[31:32-A]; with A = ceil(log2(ways)), L = log2(line bytes), S = ceil(log2(sets)), B = L + S.
// Neither ways nor sets need be a power of two, so the encodable range can exceed the cache: a
// decoded set or way beyond it is CONSTRAINED UNPREDICTABLE (the model performs no maintenance and
// says so through `inRange`).
#pragma once

#include "vcm/hyp/memory/cache_geometry.h"

#include <cstdint>

namespace vcm::hyp::memory {

struct SetWayOperand {
    unsigned level = 1; // 1-based cache level
    std::uint32_t set = 0;
    std::uint32_t way = 0;

    friend bool operator==(const SetWayOperand&, const SetWayOperand&) = default;
};

struct DecodedSetWay {
    SetWayOperand operand;
    bool inRange = false; // level described by CLIDR and set/way inside that cache's geometry
};

// Bit positions for one cache (A and L of the Arm ARM text).
struct SetWayFieldLayout {
    unsigned wayShift = 32; // 32 - A; 32 when the cache is direct-mapped (no way bits)
    unsigned setShift = 6;  // L
    unsigned setBits = 0;   // S

    static SetWayFieldLayout of(const CacheGeometry& geometry, std::uint32_t lineBytes);
};

std::uint64_t encodeSetWay(const SetWayOperand& operand, const SetWayFieldLayout& layout);
DecodedSetWay decodeSetWay(std::uint64_t raw, const MachineTopology& topology);

} // namespace vcm::hyp::memory

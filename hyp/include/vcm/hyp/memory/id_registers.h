// Cache identification registers as a guest reads them, computed from the modelled geometry.
//
// CLIDR_EL1 (Arm ARM D24.2.33) describes L1 as data-only (the model has no instruction cache to
// describe; Ctype 0b010) and L2 as unified (0b100). LoUIS = LoUU = 1: the cluster L2 is where each
// core's I, D and walks meet. LoC = 2. The system cache is deliberately absent, as on hardware: it lies
// beyond the PoU, before the PoC, and only by-VA maintenance to the PoC reaches it.
#pragma once

#include "vcm/hyp/memory/cache_geometry.h"

#include <cstdint>
#include <optional>

namespace vcm::hyp::memory {

// CLIDR_EL1 field positions (D24.2.33).
namespace clidr {
constexpr unsigned ctypeShift(unsigned level) { return 3 * (level - 1); } // level is 1-based
constexpr unsigned kLoUIS = 21;
constexpr unsigned kLoC = 24;
constexpr unsigned kLoUU = 27;
constexpr std::uint64_t kCtypeDataOnly = 0b010;
constexpr std::uint64_t kCtypeUnified = 0b100;
} // namespace clidr

std::uint64_t clidrEl1(const MachineTopology& topology);

// CCSIDR_EL1 in the 32-bit format (no FEAT_CCIDX) for the cache CSSELR_EL1 selects. Returns 0, as the
// Arm ARM permits for an unimplemented selection (UNKNOWN), when CSSELR names a level or an instruction
// cache that CLIDR does not describe.
std::uint64_t ccsidrEl1(const MachineTopology& topology, std::uint64_t csselr);

// CTR_EL0: DminLine/IminLine from the line size, CWG/ERG = line size, L1Ip = PIPT, IDC = DIC = 0.
std::uint64_t ctrEl0(const MachineTopology& topology);
// DCZID_EL0: DC ZVA permitted (DZP 0), zeroing one cache line (BS, log2 of 4-byte words), as the model does.
std::uint64_t dczidEl0(const MachineTopology& topology);

// The geometry of a level that set/way operations can name (1 = L1, 2 = L2), or nothing.
std::optional<CacheGeometry> setWayLevelGeometry(const MachineTopology& topology, unsigned level);

} // namespace vcm::hyp::memory

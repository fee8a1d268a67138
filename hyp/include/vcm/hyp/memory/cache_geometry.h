// Machine topology and cache geometry: clusters x cores, per-core L1D, per-cluster L2, shared system cache.
#pragma once

#include "vcm/hyp/memory/memory_types.h"

#include <cstdint>
#include <stdexcept>

namespace vcm::hyp::memory {

enum class ReplacementKind : std::uint8_t { Lru, Random };

struct CacheGeometry {
    std::uint64_t sizeBytes = 0;
    std::uint32_t ways = 1;
    ReplacementKind replacement = ReplacementKind::Lru;

    // Sets need not be a power of two (Arm ARM D24.2.x CCSIDR_EL1.NumSets); neither do ways.
    std::uint32_t sets(std::uint32_t lineBytes) const
    {
        return static_cast<std::uint32_t>(sizeBytes / (std::uint64_t{ways} * lineBytes));
    }
};

// Raised for a topology the model cannot build; the message says which field and what is allowed.
class GeometryError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct MachineTopology {
    std::uint32_t clusters = 2;
    std::uint32_t coresPerCluster = 2;
    // One line size for every level, as the cache write-back granule (CTR_EL0.CWG) and DC ZVA block.
    std::uint32_t lineBytes = 64;
    CacheGeometry l1{32u << 10, 4, ReplacementKind::Lru};
    CacheGeometry l2{512u << 10, 16, ReplacementKind::Lru};
    // Beyond the PoU and before the PoC; not described in CLIDR_EL1 and not reachable by set/way
    // (Arm ARM D7.5.9.12, "system cache", class 2). sizeBytes = 0 removes it.
    CacheGeometry systemCache{4u << 20, 16, ReplacementKind::Lru};
    std::uint64_t seed = 1; // seeds random replacement

    std::uint32_t cores() const { return clusters * coresPerCluster; }
    ClusterId clusterOf(CoreId core) const { return core / coresPerCluster; }
    bool hasSystemCache() const { return systemCache.sizeBytes != 0; }

    // Throws GeometryError naming the first invalid field.
    void validate() const;
};

} // namespace vcm::hyp::memory

// Speculative allocation: "any memory location that has a Normal Cacheable attribute at either the
// current Exception level or at a higher Exception level can be allocated to a cache at any time"
// (Arm ARM D7.5.1). This engine is the "at any time": for each core it pulls clean lines of the ranges
// currently mapped Normal cacheable on that core (a guest with MMU and caches on, the hypervisor's own
// map of all RAM, a toolstack foreign mapping) into that core's caches at a configurable, seeded rate.
// It is what makes "clean, then unmap" racy (seed 001) and invalidation at caches-on necessary (002).
#pragma once

#include "vcm/hyp/memory/memory_system.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace vcm::hyp::memory {

using MappingId = std::uint32_t;

class SpeculationEngine {
public:
    // `fillsPerMillionCycles`: the expected number of speculative line fills per core per million cycles
    // of that core's time. Integer arithmetic only, so a seed gives the same fills on every host.
    SpeculationEngine(MemorySystem& memory, std::uint64_t seed, std::uint64_t fillsPerMillionCycles);

    // A range mapped Normal cacheable on `core` (or on every core when `core` is empty).
    MappingId addCacheableMapping(std::optional<CoreId> core, PhysAddr base, std::uint64_t length, std::string owner);
    void removeCacheableMapping(MappingId id);

    // Performs the fills due on `core` for `elapsed` cycles of its time; returns how many were made.
    std::uint64_t step(CoreId core, Cycles elapsed);
    // The same through one mapping only, at `fillsPerMillionCycles` (the toolstack's race window: what its
    // foreign mapping alone lets the core pull in between the clean and the unmap).
    std::uint64_t stepMapping(MappingId id, CoreId core, Cycles elapsed, std::uint64_t fillsPerMillionCycles);

    std::uint64_t rate() const { return m_fillsPerMillionCycles; }
    void setRate(std::uint64_t fillsPerMillionCycles) { m_fillsPerMillionCycles = fillsPerMillionCycles; }

private:
    struct Mapping {
        std::optional<CoreId> core;
        PhysAddr base = 0;
        std::uint64_t length = 0;
        std::string owner;
        bool active = true;
    };

    MemorySystem& m_memory;
    std::mt19937_64 m_rng;
    std::uint64_t m_fillsPerMillionCycles;
    std::vector<Mapping> m_mappings;
    std::vector<std::uint64_t> m_credit; // per core, in millionths of a fill
};

} // namespace vcm::hyp::memory

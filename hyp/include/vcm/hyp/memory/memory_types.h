// Vocabulary of the memory-system model: addresses, ids, memory types and where a value lives.
#pragma once

#include <cstdint>
#include <string>

namespace vcm::hyp::memory {

using PhysAddr = std::uint64_t; // a machine physical address (the output of stage 2)
using Cycles = std::uint64_t;   // virtual time and cost, in cycles of the modelled cores
using Version = std::uint64_t;  // global write sequence number; 0 = never written since reset

using CoreId = std::uint32_t;    // physical core, 0..cores-1, numbered cluster by cluster
using ClusterId = std::uint32_t;
using AgentId = std::uint32_t;   // index returned by MemorySystem::addAgent

// The effective memory type of an access, after stage 1 and stage 2 are combined (Arm ARM D8.6.5).
enum class MemoryType : std::uint8_t {
    NormalWriteBack,    // cacheable, write-back, read- and write-allocate
    NormalWriteThrough, // cacheable for reads; writes update a hitting line and RAM, no allocation
    NormalNonCacheable, // bypasses the caches
    Device,             // bypasses the caches (Device-nGnRnE and friends are not distinguished)
};

constexpr bool isCacheable(MemoryType type)
{
    return type == MemoryType::NormalWriteBack || type == MemoryType::NormalWriteThrough;
}

// Who makes an access. The kind matters for reports and for speculation, not for the access itself: the
// memory type passed with each access decides whether caches are looked up.
enum class AgentKind : std::uint8_t {
    Vcpu,       // guest code on a physical core
    Hypervisor, // EL2 code on a physical core (its own cacheable map of all RAM)
    Toolstack,  // a domain builder writing through a foreign mapping, on a physical core
    Device,     // a non-coherent DMA master: never looks up the caches, has no core
};

enum class CacheLevel : std::uint8_t { L1 = 1, L2 = 2, SystemCache = 3 };

// One cache instance in the machine: L1 of a core, L2 of a cluster, or the system cache (instance 0).
struct CacheLocation {
    CacheLevel level = CacheLevel::L1;
    std::uint32_t instance = 0;

    friend bool operator==(const CacheLocation&, const CacheLocation&) = default;
};

// Where the bytes an access returned came from.
struct ValueSource {
    bool fromRam = true;     // RAM (the PoC) rather than a cache
    CacheLocation cache;     // valid when !fromRam
};

const char* toString(MemoryType type);
const char* toString(AgentKind kind);
const char* toString(CacheLevel level);
// "L1 of core 2", "L2 of cluster 1", "system cache"
std::string describe(const CacheLocation& location);
std::string describe(const ValueSource& source);

} // namespace vcm::hyp::memory

// The toolstack: a domain builder in the host/dom0 that writes images into a guest's RAM through a foreign
// mapping, in each of the ways Xen's toolstack historically did it (seeds 000 and 001, policies.md
// section 3), plus the host agent's reads of guest memory through its cacheable mapping (seed 003).
#pragma once

#include "vcm/hyp/machine.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace vcm::hyp {

enum class ToolstackMode : std::uint8_t {
    CachedNoMaintenance,       // libxc before a0035ecc0d: cacheable foreign map, no flush at all
    CachedCleanToPoU,          // the arm32 cacheflush syscall: DCCMVAU, stops at the PoU (seed 000)
    CachedCleanToPoCThenUnmap, // clean+invalidate to PoC, then unmap: speculation may refill lines in between (001)
    UncachedMapping,           // the RFC of seed 001: a non-cacheable foreign mapping
    UnmapThenHypervisorFlush,  // cacheable writes, unmap, then XEN_DOMCTL_cacheflush over the range
};

const char* toString(ToolstackMode mode);
// Parses the names toString() gives ("cached-no-maintenance", ...); throws std::invalid_argument listing them.
ToolstackMode parseToolstackMode(std::string_view name);

struct ToolstackWriteResult {
    memory::MaintenanceResult maintenance; // what the toolstack's or the hypervisor's cleans did
    std::uint64_t speculativeFills = 0;    // lines speculation pulled in while the foreign map existed
};

class Toolstack {
public:
    // The dom0 builder runs on `core`. In CachedCleanToPoCThenUnmap the foreign mapping outlives the clean
    // by `raceWindowCycles`, during which the builder's core speculatively allocates lines through it at
    // `raceFillsPerMillionCycles` (0: no speculation).
    Toolstack(Machine& machine, memory::CoreId core, std::uint64_t raceFillsPerMillionCycles = 0,
              memory::Cycles raceWindowCycles = 50'000);

    memory::AgentId agent() const { return m_agent; }

    ToolstackWriteResult writeImage(std::size_t vm, std::uint64_t ipa, std::span<const std::uint8_t> bytes,
                                    ToolstackMode mode);
    // The host agent reads guest memory through its own mapping of the given type (seed 003's cacheable
    // mapping of a buffer the guest wrote non-cacheable).
    void read(std::size_t vm, std::uint64_t ipa, std::span<std::uint8_t> out, memory::MemoryType type);

private:
    Machine& m_machine;
    memory::CoreId m_core;
    std::uint64_t m_raceRate;
    memory::Cycles m_raceWindow;
    memory::AgentId m_agent;
};

} // namespace vcm::hyp

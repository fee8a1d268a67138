// What the memory system holds for one 8-byte word at an instant: every cached copy of its line (which
// cache, dirty or clean, the word's bytes and version), RAM's bytes and version, and the coherence
// oracle's latest version and writer. For `vcm replay --inspect`, which stops a deterministic re-run at an
// event and shows what hardware never lets one see.
#pragma once

#include "vcm/hyp/memory/memory_types.h"

#include <cstdint>
#include <vector>

namespace vcm::hyp::memory {

struct CachedCopy {
    CacheLocation location;
    bool dirty = false;
    std::uint64_t value = 0;   // the word, little-endian
    Version version = 0;
};

struct WordInspection {
    PhysAddr address = 0;      // 8-byte aligned
    std::vector<CachedCopy> copies; // L1s by core, then L2s by cluster, then the system cache
    std::uint64_t ramValue = 0;
    Version ramVersion = 0;
    std::uint64_t latestValue = 0;  // the oracle's (architecturally latest) value
    Version latestVersion = 0;
    AgentId latestWriter = 0;
    bool everWritten = false;       // false: the word still holds its initial content (version 0)
};

} // namespace vcm::hyp::memory

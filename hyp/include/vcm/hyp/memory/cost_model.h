// Cycle costs of memory accesses and cache maintenance; each core's virtual clock advances by these.
#pragma once

#include "vcm/hyp/memory/memory_types.h"

namespace vcm::hyp::memory {

struct CostModel {
    Cycles l1Hit = 4;
    Cycles l2Hit = 14;
    Cycles systemCacheHit = 40;
    Cycles remoteCacheHit = 60;      // a line supplied by another core's or cluster's cache
    Cycles ram = 150;                // a cache miss to RAM, and every non-cacheable or Device access
    Cycles maintenancePerLine = 8;   // issuing one DC operation (by VA or by set/way)
    Cycles dirtyWriteBack = 100;     // writing one dirty line to the next level or RAM
};

} // namespace vcm::hyp::memory

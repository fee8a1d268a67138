// The record of every full-guest flush a policy performed: why, when, and each uninterrupted segment of
// flush work with the delay it imposed on work waiting on that core.
#pragma once

#include "vcm/hyp/memory/memory_types.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vcm::hyp::policy {

enum class FlushReason : std::uint8_t {
    SetWay,    // a trapped set/way operation
    CachesOn,  // a TVM-trapped write turned the guest's caches on
    CachesOff, // ... or off
    Fault,     // a stage-2 fault (fault-flush)
};

const char* toString(FlushReason reason);

// A continuous stretch of flush work on one core without yielding.
struct FlushSegment {
    memory::CoreId core = 0;
    memory::Cycles start = 0;
    memory::Cycles end = 0;
    std::uint64_t pages = 0;          // pages cleaned and invalidated to PoC
    std::uint64_t regionsSkipped = 0; // unmapped or not-accessed regions passed over
    bool finished = false;            // false: preempted, to resume at resumeGfn
    std::uint64_t resumeGfn = 0;
    // How long work that was pending on this core (a timer tick, a runnable vCPU) waited for this segment
    // to end: the unpreempted delay.
    memory::Cycles unpreemptedDelay = 0;
};

struct FlushRecord {
    std::size_t vm = 0;
    std::string vcpu;
    FlushReason reason = FlushReason::SetWay;
    memory::Cycles requestedAt = 0;
    std::uint64_t pages = 0;
    bool finished = false;
    std::vector<FlushSegment> segments;
};

struct FlushLog {
    std::vector<FlushRecord> records;

    std::uint64_t totalPages() const;
    memory::Cycles longestSegment() const;
    memory::Cycles longestUnpreemptedDelay() const;
};

} // namespace vcm::hyp::policy

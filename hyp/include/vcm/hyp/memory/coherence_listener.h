// What the coherence oracle reports: structured records handed to a listener (the tracer, a test).
#pragma once

#include "vcm/hyp/memory/memory_types.h"

#include <optional>
#include <string>
#include <vector>

namespace vcm::hyp::memory {

// Who made a write and when (the writer's clock).
struct WriteOrigin {
    AgentId writer = 0;
    Cycles time = 0;
    bool operator==(const WriteOrigin&) const = default;
};

// An access returned a version older than the architecturally latest write to that word.
struct StaleRead {
    Cycles time = 0;
    AgentId agent = 0;
    std::optional<CoreId> core;
    PhysAddr address = 0;            // first stale 8-byte word of the access
    std::uint32_t staleWords = 0;    // how many words of the access were stale
    MemoryType type = MemoryType::NormalWriteBack;
    Version versionReturned = 0;
    Version latestVersion = 0;
    AgentId latestWriter = 0;        // who wrote the latest value
    Cycles latestWrittenAt = 0;      // when: the write this read missed
    ValueSource source;              // where the stale value came from
    // Where the latest value is now: a cache holding it (for RAM read behind a newer dirty line), RAM,
    // or nowhere (it was discarded by an invalidate and is lost).
    std::optional<ValueSource> latestHeldIn;
};

// A dirty write-back overwrote RAM words that were newer than the line (a lost write).
struct Clobber {
    Cycles time = 0;
    PhysAddr address = 0;            // first clobbered word
    std::uint32_t clobberedWords = 0;
    CacheLocation origin;            // the cache whose dirty line was written back
    Version lineVersion = 0;         // version the write-back put in RAM
    Version overwrittenVersion = 0;  // newer version it destroyed
    // The write it destroyed, when that is the word's latest write (the oracle keeps no older ones).
    std::optional<WriteOrigin> overwrittenWrite;
    std::string cause;               // what triggered the write-back ("eviction", "DC CIVAC", ...)
};

// A page holds cached data that differs from RAM while a cache-bypassing observer can see that page.
struct StaleWindowOpened {
    Cycles time = 0;
    PhysAddr page = 0;               // page base address
    std::vector<std::string> observers;
    std::string cause;               // the operation that opened it
};

struct StaleWindowClosed {
    Cycles time = 0;
    PhysAddr page = 0;
    std::string resolvedBy;          // the operation that resolved the last differing line (or
                                     // "observer removed")
};

// A data-cache maintenance instruction (or a range of them) was executed. Reported so a trace can show
// what was cleaned and when: the analyzer explains a stale read by the last maintenance that should have
// covered its line. A full-guest flush pauses these reports (MaintenanceReportPause): it is traced as
// flush segments, and its per-batch ranges would be millions of records on a large guest.
struct MaintenanceReport {
    Cycles time = 0;
    AgentId agent = 0;
    std::optional<CoreId> core;
    bool bySetWay = false;
    std::uint8_t op = 0;             // ByAddressOp or SetWayOp, as bySetWay says
    PhysAddr address = 0;            // by address: first byte (line-aligned); by set/way: the raw operand
    std::uint64_t bytes = 0;         // by address: length covered; by set/way: 0
    std::uint64_t linesCleaned = 0;
    std::uint64_t linesInvalidated = 0;
    std::uint64_t dirtyDiscarded = 0;
};

class CoherenceListener {
public:
    virtual ~CoherenceListener() = default;
    virtual void onAgentAdded(AgentId, AgentKind, const std::string& /*name*/, std::optional<CoreId>) {}
    virtual void onMaintenance(const MaintenanceReport&) {}
    virtual void onStaleRead(const StaleRead&) {}
    virtual void onClobber(const Clobber&) {}
    virtual void onStaleWindowOpened(const StaleWindowOpened&) {}
    virtual void onStaleWindowClosed(const StaleWindowClosed&) {}
};

} // namespace vcm::hyp::memory

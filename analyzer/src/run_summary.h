// The figures of `vcm report`, gathered from one trace database by SQL: the run's identity and health,
// traps, flushes, per-vCPU and per-core scheduling, findings and the guests' console output. Plain data:
// the renderers (report_*.cpp) only lay it out. Lists are in a fixed order, so the same database always
// gives the same summary.
#pragma once

#include "distribution.h"
#include "vcm/db/database.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vcm::analyzer {

struct RunHeader {
    std::string scenario;
    std::string policy;
    std::string overrides;
    std::string vcmVersion;
    std::optional<std::int64_t> seed;
    std::optional<std::int64_t> coreMHz;
    std::optional<std::int64_t> clusters;
    std::optional<std::int64_t> coresPerCluster;
    std::int64_t endTs = 0;
    std::optional<std::int64_t> instructions;
    bool complete = false;
    std::optional<std::int64_t> events;      // meta.events: events read by the ingest
    std::int64_t discardedEvents = 0;        // data_loss, kind 'events'
    std::int64_t lostPackets = 0;            // data_loss, kind 'packets'
    std::int64_t lossRanges = 0;             // data_loss rows
    std::optional<std::int64_t> firstLossTs; // ts_before of the earliest loss range that has one
    std::int64_t unknownEvents = 0;          // raw_event rows with known = 0
    std::int64_t staleReads = 0;
    std::int64_t staleWords = 0;
    std::int64_t clobbers = 0;
    std::int64_t staleWindows = 0;
    std::int64_t openStaleWindows = 0;

    bool lostData() const { return discardedEvents > 0 || lostPackets > 0 || lossRanges > 0; }
};

struct TrapGroup {
    std::string kind;
    std::string what; // empty in the by-kind list
    std::int64_t count = 0;
    std::int64_t cachesOn = 0; // trapped with the vCPU's M and C set
    std::int64_t firstTs = 0;
    std::int64_t lastTs = 0;
};

// (Once named FlushRow, like the ingest's row type: two classes of one name in one namespace are an ODR
// violation the linker resolves silently, and AddressSanitizer caught the corrupted strings. The ingest's
// rows now live in vcm::analyzer::rows.)
struct FlushListEntry {
    std::string vm;
    std::int64_t flushId = 0;
    std::string requestedBy;
    std::string reason;
    std::int64_t ts = 0;
    std::int64_t dur = 0;
    std::int64_t segments = 0;
    std::int64_t pages = 0;
    std::int64_t longestSegment = 0;
    std::int64_t longestDelay = 0;
    bool finished = false;
};

struct FlushSummary {
    std::int64_t flushes = 0;
    std::int64_t finished = 0;
    std::int64_t segments = 0;
    std::int64_t orphanSegments = 0; // segments whose flush_request the trace lost
    std::int64_t pages = 0;
    std::int64_t segmentTime = 0; // sum of flush_segment.dur
    std::int64_t longestUnpreemptedDelay = 0;
    std::int64_t longestFlush = 0;             // max flush.dur
    std::optional<std::int64_t> p50, p95, max; // of flush_segment.dur; none without segments
    std::vector<HistogramBucket> histogram;    // of flush_segment.dur
    std::vector<FlushListEntry> list;                // the first kMaxListed by request time
};

struct VcpuSummary {
    std::int64_t id = 0;
    std::string name;
    std::string vm;
    std::int64_t guestTime = 0; // sum of sched_slice.dur
    std::int64_t flushTime = 0; // sum of the segments of the flushes it requested (run inside its slices)
    std::int64_t slices = 0;
    std::int64_t instructions = 0;
    std::int64_t migrations = 0;
    std::int64_t traps = 0;
    std::optional<std::int64_t> worstWait;   // longest ready-to-running gap
    std::optional<std::int64_t> worstWaitAt; // when that wait began (the end of the slice before it)
};

struct CoreSummary {
    std::int64_t id = 0;
    std::optional<std::int64_t> cluster;
    std::int64_t slices = 0;
    std::int64_t busy = 0;  // sum of sched_slice.dur on the core
    std::int64_t flush = 0; // sum of flush_segment.dur on the core
};

struct FindingCount {
    std::string kind;
    std::string severity;
    std::int64_t count = 0;
    std::int64_t uncertain = 0;
};

struct FindingRow {
    std::string severity;
    std::string kind;
    std::int64_t ts = 0;
    std::string explanation;
    bool uncertain = false;
};

struct ConsoleOutput {
    std::string vcpu;
    std::string text; // the vCPU's console writes, concatenated in time order
    bool truncated = false;
};

struct RunSummary {
    // Long lists stop here; the report says how many were left out.
    static constexpr std::int64_t kMaxListed = 100;
    static constexpr std::size_t kMaxConsoleBytes = std::size_t{64} * 1024;
    static constexpr int kHistogramBuckets = 20;

    RunHeader header;
    std::vector<TrapGroup> trapsByKind;
    std::vector<TrapGroup> trapsByWhat;
    FlushSummary flush;
    std::vector<VcpuSummary> vcpus;
    std::vector<CoreSummary> cores;
    std::vector<FindingCount> findingCounts;
    std::vector<FindingRow> findings; // errors first, then by time; the first kMaxListed
    std::int64_t findingTotal = 0;
    std::vector<ConsoleOutput> consoles;
};

RunSummary loadRunSummary(db::Database& db);

} // namespace vcm::analyzer

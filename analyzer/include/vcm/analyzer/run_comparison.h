// Two runs side by side (Perfetto issue #2780, what trace-viewer users ask for most): typically one scenario
// under two policies, or a run and its what-if. Figures with their difference, the findings present in one run
// only, the flushes that took longer in one, and the first point where what the guests did diverges. Used by
// `vcm report A --compare B` and vcm-gui's compare view; both show the same comparison.
#pragma once

#include "vcm/analyzer/report.h"
#include "vcm/db/database.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vcm::analyzer {

struct ComparedRun {
    std::string label;    // how the user named it (the file), "A" and "B" when unknown
    std::string scenario;
    std::string policy;
    std::string overrides;
    std::optional<std::int64_t> seed;
};

struct FigureDifference {
    std::string name;     // "set/way traps", "stale reads", "virtual time (ns)", ...
    std::int64_t a = 0;
    std::int64_t b = 0;
};

enum class Presence { OnlyA, OnlyB, Both };

// Findings are matched by what they are about (kind, severity, VM, vCPU, address), in time order within one
// subject; what is left unmatched is in one run only.
struct FindingDifference {
    Presence presence = Presence::Both;
    std::string kind;
    std::string severity;
    std::string subject;  // "d1v0, 0x80005000", "VM storm", ...
    std::optional<std::int64_t> idA, idB;
    std::optional<std::int64_t> tsA, tsB;
    std::string explanation; // A's when it has one, else B's
};

// A full-guest flush (matched by VM and flush number) present in one run only, or whose duration differs by
// more than a tenth between them.
struct FlushDifference {
    std::string vm;
    std::int64_t flushId = 0;
    std::optional<std::int64_t> tsA, tsB;
    std::optional<std::int64_t> durA, durB;
    std::optional<std::int64_t> longestSegmentA, longestSegmentB;
};

// The first place where what the guests did differs: the runs' markers, SCTLR changes and console output, each
// as (vCPU, what), compared in time order. Times are not compared, only the sequence; traps neither (they are
// the hypervisor's answer, and differ between policies by design).
struct Divergence {
    std::int64_t index = 0;               // events matched before it
    std::optional<std::string> eventA;    // nullopt: A's sequence ended here
    std::optional<std::string> eventB;
    std::optional<std::int64_t> tsA, tsB;
    std::string lastCommon;               // the event both did just before ("" at the start)
};

struct RunComparison {
    ComparedRun a, b;
    bool sameScenario = false;
    std::vector<FigureDifference> figures;
    std::vector<FindingDifference> findings; // only in A, then only in B, then in both; by time within each
    std::vector<FlushDifference> flushes;
    std::optional<Divergence> divergence;    // nullopt: the sequences are identical

    std::size_t count(Presence presence) const;
};

// `labelA` and `labelB` name the runs in the output (the paths the user gave). Throws db::DatabaseError.
RunComparison compareRuns(db::Database& a, db::Database& b, const std::string& labelA = "A",
                          const std::string& labelB = "B");

// The comparison as a report (the same renderers as vcm report): deterministic for the same two databases.
std::string renderComparison(const RunComparison& comparison, ReportFormat format);

} // namespace vcm::analyzer

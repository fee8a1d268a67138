// One run of a hunt as it is counted and stored (a row of hunt_run, db/sql/hunt_schema.sql).
#pragma once

#include "vcm/hyp/scenario/scenario_run.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vcm::hunt {

struct RunRecord {
    std::string policy;
    std::uint64_t seed = 0;
    // PASS, FAIL, STALE, FAULT, TIMEOUT: what the run found. CRASH, HUNG, ERROR: it never finished.
    std::string verdict;
    std::uint64_t staleReads = 0;
    std::uint64_t clobbers = 0;
    std::uint64_t staleWindows = 0;
    std::uint64_t migrations = 0;
    double maxUnpreemptedFlushNs = 0;
    double vtimeNs = 0;
    std::uint64_t instructions = 0;
    double hostSeconds = 0;
    std::string detail; // the guests' verdicts ("d1v0 FAIL"), or why the run did not finish

    // What the hunt counts: data lost or a guest that did not end well.
    bool failed() const;
    // The worker died, hung or could not start the run: a problem of the harness or the model, not a finding.
    bool unfinished() const;
};

// The record of a finished run, its verdict hyp::scenario::runVerdict(): the worst of the guests' (FAULT, then
// TIMEOUT, then FAIL); when every guest passed but the oracle counted stale reads or clobbers, STALE: data was
// lost without the guest noticing.
RunRecord recordOf(const hyp::scenario::RunReport& report, double hostSeconds);

// Orders runs as every hunt file and report lists them: by policy in the hunt's order, then by seed.
void sortRuns(std::vector<RunRecord>& runs, const std::vector<std::string>& policies);

// A line of JSON and back: how a worker process hands its record to the hunt.
std::string toJson(const RunRecord& record);
RunRecord runRecordFromJson(const std::string& text);

} // namespace vcm::hunt

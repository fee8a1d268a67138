// The detectors: SQL and C++ passes over an ingested trace database that write `finding` rows with their
// evidence (docs/schema.md, "Findings"). Each finding kind is one detector in analyzer/src/detectors/.
#pragma once

#include "vcm/db/database.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vcm::analyzer {

struct DetectorOptions {
    // A flush segment that kept pending work waiting longer than this (virtual time) is a long
    // unpreempted flush segment; a vCPU waiting longer than this for a core during a flush is a
    // flush_scheduling_latency finding.
    std::uint64_t longFlushSegmentNs = 1'000'000;
};

// The finding kinds, in the order the detectors run.
const std::vector<std::string>& findingKinds();

// Deletes previous findings and runs every detector; returns the number of findings written.
std::uint64_t runDetectors(db::Database& db, const DetectorOptions& options);

} // namespace vcm::analyzer

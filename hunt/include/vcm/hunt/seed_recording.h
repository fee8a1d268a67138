// The step from a hunt's count to a trace: one seed re-run in this process with an LTTng trace, ingested into
// a database beside it, so that `vcm report`, the GUI and `vcm replay` take it from there.
#pragma once

#include "vcm/hunt/hunt_scenario.h"
#include "vcm/hunt/run_record.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace vcm::hunt {

struct SeedRecording {
    RunRecord record;               // what the traced run found (it must equal the hunt's row)
    std::filesystem::path trace;    // the CTF trace directory
    std::filesystem::path database; // TRACE.db
    std::uint64_t events = 0;
    std::uint64_t findings = 0;
    std::uint64_t lostEvents = 0;   // discarded events and lost packets: the trace is then not replayable
};

// A directory for the trace of `policy`/`seed` beside `huntDatabase` that does not exist yet:
// HUNT-POLICY-seedN (then .1, .2, ... if taken).
std::filesystem::path recordingDirectory(const std::filesystem::path& huntDatabase, const std::string& policy,
                                         std::uint64_t seed);

// Runs the seed traced into `trace` (which must not exist) and ingests it. Throws HuntError, or the tracer's or
// analyzer's errors, naming what failed.
SeedRecording recordSeed(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed,
                         const std::filesystem::path& trace, const std::filesystem::path& guestDirectory);

} // namespace vcm::hunt

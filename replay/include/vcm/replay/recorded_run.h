// What a trace says about the run that produced it: its run_configuration (the scenario's text, the
// overrides and policy, the seed, the vcm version and each guest image's content hash), enough to run it
// again exactly (docs/events.md, run_configuration).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vcm::replay {

class ReplayError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RecordedRun {
    std::filesystem::path trace;
    std::string scenario;
    std::string scenarioText;
    std::string policy;
    std::vector<std::string> overrides;                       // in the order applied
    std::string vcmVersion;
    std::uint64_t seed = 0;
    std::vector<std::pair<std::string, std::string>> guests;  // program, "sha256:HEX"
    std::uint64_t events = 0;
    // What LTTng could not record (its buffers were full): a recording that lost events cannot be matched by a
    // replay, which says so rather than report the first gap as a divergence.
    std::uint64_t discardedEvents = 0;
    std::uint64_t lostPackets = 0;
};

// Reads the first run_configuration of the trace below `trace`. Throws ReplayError when there is none
// (not a vcm trace, or a flight-recorder snapshot whose buffers lost it) or the trace cannot be read.
RecordedRun readRecordedRun(const std::filesystem::path& trace);

} // namespace vcm::replay

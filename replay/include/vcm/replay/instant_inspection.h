// vcm replay --until: re-executes a recorded run in process (no tracing) and, at the chosen instant, reads
// the machine's state. The instant is an event: the N-th of the trace (counted exactly as the trace has
// them), the first at or after a virtual time, or the first of a given name. The state is read at the
// moment the model emits that event, i.e. with the operation that caused it done and nothing after it.
#pragma once

#include "vcm/replay/machine_state.h"
#include "vcm/replay/recorded_run.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vcm::replay {

struct Instant {
    std::optional<std::uint64_t> eventIndex;  // --until-event N (0-based, as in the trace)
    std::optional<std::uint64_t> vtimeNs;     // --until VTIME: the first event with vtime_ns >= VTIME
    std::optional<std::string> firstEvent;    // --until-first NAME: "stale_read" or "vcm:stale_read"
};

// Nothing when the run ended before the instant. Throws ReplayError for changed guest images.
std::optional<MachineState> inspectAt(const RecordedRun& run, const Instant& instant,
                                      const std::vector<std::uint64_t>& addresses,
                                      const std::filesystem::path& guestDirectory);

} // namespace vcm::replay

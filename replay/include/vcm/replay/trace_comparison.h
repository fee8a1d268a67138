// Event-by-event comparison of two vcm traces: names and every payload field, including vtime_ns (LTTng's
// host timestamps are not compared: they measure the host). The recorded trace is held in memory in a
// compact form; the other is streamed against it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vcm::replay {

// One event as text: "vcm:trap { vtime_ns = 3, vm = 0, ... }".
struct EventText {
    std::uint64_t index = 0;
    std::string text;
    std::optional<std::uint64_t> vtimeNs;
};

struct Divergence {
    std::uint64_t index = 0;              // position of the first differing event (0-based)
    std::optional<EventText> recorded;    // none: the recorded trace ended first
    std::optional<EventText> replayed;    // none: the replayed trace ended first
    std::string difference;               // "field vtime_ns: 475057 != 475058", "event name", ...
    std::vector<EventText> context;       // the (identical) events just before
};

struct Comparison {
    std::uint64_t recordedEvents = 0;
    std::uint64_t replayedEvents = 0;
    std::optional<Divergence> divergence; // none: identical
};

// Compares the traces below `recorded` and `replayed`. Events named in `unchecked` must be there in both at
// the same place but their fields are not compared (a replay with changed overrides has a different
// run_configuration by design). Throws ReplayError when one cannot be read.
Comparison compareTraces(const std::filesystem::path& recorded, const std::filesystem::path& replayed,
                         const std::vector<std::string>& unchecked = {}, std::size_t contextEvents = 3);

} // namespace vcm::replay

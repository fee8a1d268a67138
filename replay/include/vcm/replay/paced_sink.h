// Playback pacing: passes events on no faster than a chosen ratio of virtual to wall-clock time, so a
// replayed run streamed live looks to a live consumer (vcm ingest net://..., the GUI, babeltrace2) like the
// run happening at that speed. speed = virtual seconds per wall second (0.001: one virtual millisecond per
// second).
#pragma once

#include "vcm/tracer/forwarding_sink.h"

#include <chrono>

namespace vcm::replay {

class PacedSink final : public tracer::ForwardingSink {
public:
    PacedSink(tracer::EventSink& next, double speed);

protected:
    void beforeEvent(const char* name, std::optional<std::uint64_t> vtimeNs) override;

private:
    double m_speed;
    std::chrono::steady_clock::time_point m_start;
    std::uint64_t m_latestVtime = 0; // record order is not vtime order (docs/events.md): pace on the maximum
};

} // namespace vcm::replay

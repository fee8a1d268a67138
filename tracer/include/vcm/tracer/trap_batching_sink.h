// Forms vcm:setway_trap_batch batches: it owns the SetWayTrapRecorder the vCPUs record their set/way traps into
// (setWayTrapRecorder()), and passes on what the recorder holds before any other event and at the end, so the
// stream keeps its order (every event after the traps it follows in virtual time). runScenario puts one in front
// of whatever sink a run traces to, so the LTTng trace, the flight recorder, replay's instant catcher and live
// playback all see the same events.
#pragma once

#include "vcm/tracer/forwarding_sink.h"
#include "vcm/tracer/setway_trap_recorder.h"

namespace vcm::tracer {

class TrapBatchingSink : public ForwardingSink {
public:
    explicit TrapBatchingSink(EventSink& next);
    ~TrapBatchingSink() override;
    TrapBatchingSink(const TrapBatchingSink&) = delete;
    TrapBatchingSink& operator=(const TrapBatchingSink&) = delete;

    SetWayTrapRecorder* setWayTrapRecorder() override { return &m_recorder; }
    // A batch from elsewhere: what the recorder holds goes first.
    void setWayTraps(const SetWayTrapBatch& batch) override;
    // Passes on the traps held, if any.
    void flush() { m_recorder.flush(); }

protected:
    void beforeEvent(const char* name, std::optional<std::uint64_t> vtimeNs) override;

private:
    SetWayTrapRecorder m_recorder;
};

} // namespace vcm::tracer

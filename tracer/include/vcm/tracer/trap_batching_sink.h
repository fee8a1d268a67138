// Forms vcm:setway_traps batches: set/way traps of one vCPU on one core in a row are held and passed on as one
// SetWayTrapBatch. Any other event first passes on what is held, so the stream keeps its order (every event
// after the traps it follows in virtual time), as does a change of vCPU or core, a full batch, and the
// destructor. runScenario puts one in front of whatever sink a run traces to, so the LTTng trace, the flight
// recorder, replay's instant catcher and live playback all see the same events.
#pragma once

#include "vcm/tracer/forwarding_sink.h"

#include <cstddef>

namespace vcm::tracer {

class TrapBatchingSink : public ForwardingSink {
public:
    // At most this many traps per batch: 20 bytes each, so a batch stays far below the smallest sub-buffer a
    // session is given (4 KiB) and a discarded batch loses little.
    static constexpr std::size_t kMaximumBatch = 128; // the trace's array lengths are one byte

    explicit TrapBatchingSink(EventSink& next);
    ~TrapBatchingSink() override;
    TrapBatchingSink(const TrapBatchingSink&) = delete;
    TrapBatchingSink& operator=(const TrapBatchingSink&) = delete;

    void trap(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core, TrapKind kind,
              std::uint32_t detail, std::uint64_t operand, std::uint64_t oldValue, std::uint64_t newValue) override;
    // Passes on the traps held, if any.
    void flush();

protected:
    void beforeEvent(const char* name, std::optional<std::uint64_t> vtimeNs) override;

private:
    SetWayTrapBatch m_batch;
};

} // namespace vcm::tracer

#include "vcm/tracer/trap_batching_sink.h"

namespace vcm::tracer {

// The recorder's batches go through ForwardingSink::setWayTraps, so a sink after this one sees each as the trace
// will have it; the recorder holds nothing while it passes one on, so beforeEvent's flush finds nothing to do.
TrapBatchingSink::TrapBatchingSink(EventSink& next)
    : ForwardingSink(next), m_recorder([this](const SetWayTrapBatch& batch) { ForwardingSink::setWayTraps(batch); })
{
}

TrapBatchingSink::~TrapBatchingSink()
{
    flush();
}

void TrapBatchingSink::setWayTraps(const SetWayTrapBatch& batch)
{
    flush();
    ForwardingSink::setWayTraps(batch);
}

void TrapBatchingSink::beforeEvent(const char* /*name*/, std::optional<std::uint64_t> /*vtimeNs*/)
{
    flush();
}

} // namespace vcm::tracer

#include "vcm/tracer/trap_batching_sink.h"

#include <string_view>

namespace vcm::tracer {

TrapBatchingSink::TrapBatchingSink(EventSink& next) : ForwardingSink(next)
{
    // Held traps are appended without reallocating (clear() keeps the capacity).
    m_batch.vtimeNs.reserve(kMaximumBatch);
    m_batch.detail.reserve(kMaximumBatch);
    m_batch.operand.reserve(kMaximumBatch);
}

TrapBatchingSink::~TrapBatchingSink()
{
    flush();
}

void TrapBatchingSink::trap(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core, TrapKind kind,
                            std::uint32_t detail, std::uint64_t operand, std::uint64_t oldValue, std::uint64_t newValue)
{
    if (kind != TrapKind::SetWay) {
        ForwardingSink::trap(t, vm, vcpu, core, kind, detail, operand, oldValue, newValue); // flushes first
        return;
    }
    if (m_batch.size() != 0 && (m_batch.vm != vm || m_batch.vcpu != vcpu || m_batch.core != core))
        flush();
    if (m_batch.size() == 0) {
        m_batch.vm = vm;
        m_batch.vcpu = vcpu;
        m_batch.core = core;
    }
    m_batch.vtimeNs.push_back(t);
    m_batch.detail.push_back(detail);
    m_batch.operand.push_back(operand);
    if (m_batch.size() == kMaximumBatch)
        flush();
}

void TrapBatchingSink::flush()
{
    if (m_batch.size() == 0)
        return;
    // Through ForwardingSink, so a sink after this one sees the batch as the trace will have it; beforeEvent
    // below knows it is ours by its name and does not flush again.
    ForwardingSink::setWayTraps(m_batch);
    m_batch.vtimeNs.clear();
    m_batch.detail.clear();
    m_batch.operand.clear();
}

void TrapBatchingSink::beforeEvent(const char* name, std::optional<std::uint64_t> /*vtimeNs*/)
{
    if (std::string_view(name) != "vcm:setway_traps")
        flush();
}

} // namespace vcm::tracer

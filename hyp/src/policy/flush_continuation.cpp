#include "vcm/hyp/policy/flush_continuation.h"

#include "vcm/hyp/machine.h"

#include <algorithm>

namespace vcm::hyp::policy {

const char* toString(FlushReason reason)
{
    switch (reason) {
    case FlushReason::SetWay:
        return "set/way";
    case FlushReason::CachesOn:
        return "caches on";
    case FlushReason::CachesOff:
        return "caches off";
    case FlushReason::Fault:
        return "stage-2 fault";
    }
    return "?";
}

std::uint64_t FlushLog::totalPages() const
{
    std::uint64_t pages = 0;
    for (const FlushRecord& r : records)
        pages += r.pages;
    return pages;
}

memory::Cycles FlushLog::longestSegment() const
{
    memory::Cycles longest = 0;
    for (const FlushRecord& r : records)
        for (const FlushSegment& s : r.segments)
            longest = std::max(longest, s.end - s.start);
    return longest;
}

memory::Cycles FlushLog::longestUnpreemptedDelay() const
{
    memory::Cycles longest = 0;
    for (const FlushRecord& r : records)
        for (const FlushSegment& s : r.segments)
            longest = std::max(longest, s.unpreemptedDelay);
    return longest;
}

FlushContinuation::FlushContinuation(Machine& machine, std::size_t vm, vm::WalkFilter filter, PreemptionRule rule,
                                     FlushCosts costs, FlushLog& log, std::size_t record,
                                     FlushPageToRam pageFlush)
    : m_machine(machine), m_vm(vm), m_filter(filter), m_rule(rule), m_costs(costs), m_log(log), m_record(record),
      m_pageFlush(pageFlush)
{
    const VmSpec& spec = machine.vmSpec(vm);
    m_next = spec.ramIpa >> 12;
    m_end = (spec.ramIpa + spec.ramBytes) >> 12;
}

bool FlushContinuation::run(memory::CoreId core, const cpu::PreemptionQuery& preemption)
{
    memory::MemorySystem& memory = m_machine.memory();
    const memory::MaintenanceReportPause tracedAsSegments(memory);
    const memory::AgentId hypervisor = m_machine.hypervisorAgent(core);
    vm::Stage2Table& stage2 = m_machine.stage2(m_vm);
    FlushSegment segment;
    segment.core = core;
    segment.start = memory.coreTime(core);
    bool stopped = false;

    const vm::WalkResult walk = stage2.walk(m_next, m_end, m_filter, [&](const vm::Stage2Entry& leaf) {
        vm::Gfn gfn = leaf.gfn;
        vm::Mfn mfn = leaf.mfn;
        std::uint64_t remaining = leaf.pages;
        while (remaining > 0) {
            std::uint64_t batch = remaining;
            if (m_rule.kind == PreemptionRule::Kind::XenWorkCounter) {
                const std::uint64_t untilCheck =
                    (m_rule.threshold - std::min(m_counter, m_rule.threshold) + m_rule.pageWeight - 1) / m_rule.pageWeight;
                batch = std::min(batch, std::max<std::uint64_t>(untilCheck, 1));
            } else if (m_rule.kind == PreemptionRule::Kind::ReschedPerChunk) {
                batch = std::min(batch, m_rule.chunkPages - gfn % m_rule.chunkPages);
            }
            if (leaf.type != vm::Stage2Type::Ram) {
                // p2m_is_any_ram() fails: the region is skipped, not flushed (Xen counts it as one skip).
                ++segment.regionsSkipped;
                gfn += remaining;
                mfn += remaining;
                remaining = 0;
                break;
            }
            m_pageFlush.flush(memory, hypervisor, mfn, batch);
            memory.advanceCore(core, batch * m_costs.p2mPerPage);
            segment.pages += batch;
            gfn += batch;
            mfn += batch;
            remaining -= batch;
            if (m_rule.kind == PreemptionRule::Kind::XenWorkCounter) {
                m_counter += static_cast<std::uint32_t>(batch * m_rule.pageWeight);
                if (m_counter >= m_rule.threshold) {
                    if (gfn < m_end && preemption.workPending()) {
                        stopped = true;
                        m_next = gfn;
                        m_counter = 0;
                        return vm::WalkAction::Stop;
                    }
                    m_counter = 0;
                }
            } else if (m_rule.kind == PreemptionRule::Kind::ReschedPerChunk && gfn % m_rule.chunkPages == 0 &&
                       gfn < m_end && preemption.workPending()) {
                stopped = true;
                m_next = gfn;
                return vm::WalkAction::Stop;
            }
        }
        return vm::WalkAction::Continue;
    });
    const std::uint64_t walkSkips =
        walk.unmappedSkipped + (m_filter == vm::WalkFilter::ValidOnly ? walk.invalidSkipped : 0);
    segment.regionsSkipped += walkSkips;
    memory.advanceCore(core, segment.regionsSkipped * m_costs.p2mPerRegion);
    // After a preemption the counter starts again at 0 on the next call, as p2m_cache_flush_range's local does.
    if (m_rule.kind == PreemptionRule::Kind::XenWorkCounter && !stopped)
        m_counter += static_cast<std::uint32_t>(walkSkips * m_rule.skipWeight);
    if (!stopped)
        m_next = m_end;

    segment.end = memory.coreTime(core);
    segment.finished = !stopped;
    segment.resumeGfn = m_next;
    if (const memory::Cycles since = preemption.pendingSince(); since <= segment.end)
        segment.unpreemptedDelay = segment.end - std::max(since, segment.start);
    if (tracer::EventSink* events = m_machine.eventSink())
        events->flushSegment(m_machine.nanoseconds(segment.start), m_machine.nanoseconds(segment.end),
                             static_cast<std::uint32_t>(m_vm), core, static_cast<std::uint32_t>(m_record), segment.pages,
                             segment.regionsSkipped, segment.finished, segment.resumeGfn,
                             m_machine.nanoseconds(segment.unpreemptedDelay));
    FlushRecord& record = m_log.records.at(m_record);
    record.pages += segment.pages;
    record.finished = segment.finished;
    record.segments.push_back(segment);
    return segment.finished;
}

} // namespace vcm::hyp::policy

// An EventSink that passes every event on to another sink, calling beforeEvent() first with the event's
// trace name and virtual time. Sinks that watch, count or pace the stream derive from it and override
// only what they need (the flight recorder's trigger, replay's instant catcher, playback pacing).
#pragma once

#include "vcm/tracer/event_sink.h"

#include <optional>

namespace vcm::tracer {

class ForwardingSink : public EventSink {
public:
    explicit ForwardingSink(EventSink& next) : m_next(next) {}

    void runConfiguration(const RunConfiguration& c) override;
    void runEnd(std::uint64_t t, std::uint64_t instructions) override;
    void agent(std::uint32_t id, AgentRole role, const std::string& name, std::int32_t core) override;
    void vcpuCreate(std::uint32_t vm, std::uint32_t vcpu, std::uint32_t agent, std::uint32_t core,
                    const std::string& vmName, const std::string& name) override;
    void vcpuRun(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core) override;
    void vcpuStop(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core, VcpuStopReason reason,
                  std::uint64_t instructions) override;
    void vcpuMigrate(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t from, std::uint32_t to) override;
    void timerTick(std::uint64_t t, std::uint32_t core) override;
    void timerTicks(std::uint32_t core, std::uint64_t firstCycles, std::uint64_t periodCycles, std::uint32_t count,
                    std::uint32_t coreMHz) override;
    void trap(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core, TrapKind kind,
              std::uint32_t detail, std::uint64_t operand, std::uint64_t oldValue, std::uint64_t newValue) override;
    void setWayTraps(const SetWayTrapBatch& batch) override;
    void sctlrChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint64_t oldValue,
                     std::uint64_t newValue) override;
    void tvmChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, bool armed) override;
    void console(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& text) override;
    void marker(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& name) override;
    void flushRequest(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t flushId,
                      FlushReason reason) override;
    void flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core, std::uint32_t flushId,
                      std::uint64_t pages, std::uint64_t regionsSkipped, bool finished, std::uint64_t resumeGfn,
                      std::uint64_t unpreemptedDelayNs) override;
    void maintenance(std::uint64_t t, std::uint32_t agent, std::int32_t core, MaintenanceOp op, std::uint64_t address,
                     std::uint64_t bytes, std::uint64_t cleaned, std::uint64_t invalidated,
                     std::uint64_t discarded) override;
    void staleRead(const StaleReadEvent& r) override;
    void clobber(const ClobberEvent& c) override;
    void staleWindowOpen(std::uint64_t t, std::uint64_t page, const std::string& observers,
                         const std::string& cause) override;
    void staleWindowClose(std::uint64_t t, std::uint64_t page, const std::string& resolvedBy) override;
    void toolstackWrite(std::uint64_t t, std::uint32_t vm, std::uint32_t core, std::uint32_t mode, std::uint64_t ipa,
                        std::uint64_t bytes) override;

protected:
    // Called before each event is passed on, with its name in the trace ("vcm:trap"; a flush segment is two
    // events, vcm:flush_segment_begin then vcm:flush_segment_end) and its vtime_ns when it has one.
    virtual void beforeEvent(const char* /*name*/, std::optional<std::uint64_t> /*vtimeNs*/) {}
    EventSink& next() { return m_next; }

private:
    EventSink& m_next;
};

} // namespace vcm::tracer

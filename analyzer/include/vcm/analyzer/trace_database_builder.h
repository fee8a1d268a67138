// Turns the event stream of one vcm run into the rows of a trace database (db/sql/schema.sql): instants
// become rows, begin/end pairs become intervals with ts and dur, and the run's entities get their tables.
// It is an EventSink, so the same code ingests a CTF trace (through the Babeltrace2 decoder), a synthetic
// stream in a detector test, or a run in process.
// Rows are made on the caller's thread and inserted on a writer thread of the builder's own, in batches, inside
// the caller's transaction (if any): SQLite's work overlaps the caller's decoding. So from construction until
// finish() returns the database belongs to the builder: the caller must not use it meanwhile. finish() closes
// what is still open at the end of the trace and waits until every row is written; a write error is thrown by
// finish() or by the event call that hands over the next batch. Destroying the builder without finish()
// abandons the rows not yet written. The builder numbers the rows itself, so the same events give the same
// rows and ids.
#pragma once

#include "vcm/db/database.h"
#include "vcm/tracer/event_sink.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vcm::analyzer {

// A field of an event that the builder does not know: kept in the args table.
struct RawField {
    std::string key;
    std::optional<std::int64_t> intValue;
    std::optional<std::string> stringValue;
};

class TraceDatabaseBuilder final : public tracer::EventSink {
public:
    // commitInterval > 0 (a following ingest, ingest.h): every so often of wall time the rows made so far are
    // committed by the writer, which then begins the next transaction; the caller must have begun one. With
    // each commit a provisional run row and the vCPU/VM rows seen so far, replaced by finish().
    explicit TraceDatabaseBuilder(db::Database& db, std::chrono::milliseconds commitInterval = {});
    ~TraceDatabaseBuilder() override;
    TraceDatabaseBuilder(const TraceDatabaseBuilder&) = delete;
    TraceDatabaseBuilder& operator=(const TraceDatabaseBuilder&) = delete;

    // Called by a reader before each event it hands on, with the event's vtime_ns when it has one: it
    // numbers events and dates the edges of data-loss ranges.
    void beginEvent(std::optional<std::uint64_t> vtimeNs);
    // The tracer lost data here (kind "events" or "packets").
    void dataLoss(const char* kind, std::uint64_t count, std::optional<std::int64_t> hostBegin,
                  std::optional<std::int64_t> hostEnd);
    // The reader has no event for now (a live stream waiting for data): a commit point may be due.
    void idle();
    // An event this version does not know, or the unknown fields of a known one (known = true).
    void rawEvent(const std::string& name, std::optional<std::uint64_t> vtimeNs, bool known,
                  const std::vector<RawField>& fields);

    // Closes open intervals at the run's end, writes the rows completed only now (flushes, vCPUs, VMs, run,
    // maintenance_summary, meta with the ingest counts), then waits for the writer. Throws its error, if any.
    void finish();

    std::uint64_t events() const;
    std::uint64_t discardedEvents() const;
    std::uint64_t lostPackets() const;

    void runConfiguration(const tracer::RunConfiguration& c) override;
    void runEnd(std::uint64_t vtimeNs, std::uint64_t instructions) override;
    void agent(std::uint32_t id, tracer::AgentRole role, const std::string& name, std::int32_t core) override;
    void vcpuCreate(std::uint32_t vm, std::uint32_t vcpu, std::uint32_t agent, std::uint32_t core,
                    const std::string& vmName, const std::string& name) override;
    void vcpuRun(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core) override;
    void vcpuStop(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core,
                  tracer::VcpuStopReason reason, std::uint64_t instructions) override;
    void vcpuMigrate(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t from, std::uint32_t to) override;
    void timerTick(std::uint64_t t, std::uint32_t core) override;
    void trap(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t core, tracer::TrapKind kind,
              std::uint32_t detail, std::uint64_t operand, std::uint64_t oldValue, std::uint64_t newValue) override;
    void setWayTraps(const tracer::SetWayTrapBatch& batch) override;
    void sctlrChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint64_t oldValue,
                     std::uint64_t newValue) override;
    void tvmChange(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, bool armed) override;
    void console(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& text) override;
    void marker(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, const std::string& name) override;
    void flushRequest(std::uint64_t t, std::uint32_t vm, std::uint32_t vcpu, std::uint32_t flushId,
                      tracer::FlushReason reason) override;
    void flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core,
                      std::uint32_t flushId, std::uint64_t pages, std::uint64_t regionsSkipped, bool finished,
                      std::uint64_t resumeGfn, std::uint64_t unpreemptedDelayNs) override;
    void maintenance(std::uint64_t t, std::uint32_t agent, std::int32_t core, tracer::MaintenanceOp op,
                     std::uint64_t address, std::uint64_t bytes, std::uint64_t cleaned, std::uint64_t invalidated,
                     std::uint64_t discarded) override;
    void staleRead(const tracer::StaleReadEvent& r) override;
    // A stale read from a trace that may predate latest_write_ns (then latestWriteNs is empty: NULL).
    void staleRead(const tracer::StaleReadEvent& r, std::optional<std::uint64_t> latestWriteNs);
    void clobber(const tracer::ClobberEvent& c) override;
    void staleWindowOpen(std::uint64_t t, std::uint64_t page, const std::string& observers,
                         const std::string& cause) override;
    void staleWindowClose(std::uint64_t t, std::uint64_t page, const std::string& resolvedBy) override;
    void toolstackWrite(std::uint64_t t, std::uint32_t vm, std::uint32_t core, std::uint32_t mode, std::uint64_t ipa,
                        std::uint64_t bytes) override;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vcm::analyzer

#include "vcm/analyzer/trace_database_builder.h"

#include "maintenance_summary.h"
#include "trace_row_writer.h"
#include "trace_rows.h"
#include "vcm/analyzer/analyzer_version.h"
#include "vcm/analyzer/trace_labels.h"
#include "vcm/db/schema.h"
#include "vcm/tracer/setway_trap_code.h"

#include <algorithm>
#include <chrono>

namespace vcm::analyzer {

using namespace rows; // this file builds or writes the rows of trace_rows.h
namespace {

// Rows per batch handed to the writer: large enough that the hand-over (a lock, a wake-up) is a negligible
// cost per row, small enough that the writer starts early and the queue holds little memory.
constexpr std::size_t kRowsPerBatch = 4096;

const char* sctlrStateLabel(bool m, bool c)
{
    if (m && c)
        return "mmu_caches";
    if (m)
        return "mmu";
    if (c)
        return "caches";
    return "off";
}

constexpr std::uint64_t kSctlrM = 1u << 0;
constexpr std::uint64_t kSctlrC = 1u << 2;

std::optional<std::int64_t> coreOrNull(std::int32_t core)
{
    return core < 0 ? std::nullopt : std::optional<std::int64_t>(core);
}

} // namespace

struct TraceDatabaseBuilder::Impl {
    struct OpenSlice {
        std::uint64_t ts;
        std::uint32_t core;
    };
    struct VcpuTrack {
        std::int64_t id = 0;
        std::uint32_t vm = 0;
        std::uint32_t idx = 0;
        std::optional<std::string> name;
        std::optional<OpenSlice> slice;
        std::optional<std::uint64_t> sctlrSince; // start of the current SCTLR interval (none before a change)
        std::uint64_t sctlr = 0;
        std::optional<std::uint64_t> tvmSince;
        std::optional<std::uint32_t> agent;
    };
    struct SetWayTrap {
        std::uint64_t eventIndex;
        std::optional<std::uint32_t> agent;
    };
    struct OpenWindow {
        std::uint64_t ts;
        std::string observers;
        std::string cause;
    };
    // A flush row is complete only at the end (segments, pages, duration).
    struct PendingFlush {
        FlushRow row;
        std::uint64_t lastEnd; // the end of its last segment read (the request time before any)
    };

    Impl(db::Database& database, std::chrono::milliseconds interval)
        : writer(database), batch(writer.emptyBatch()), commitInterval(interval),
          nextCommit(std::chrono::steady_clock::now() + interval)
    {
    }

    // Queues a complete row; a full batch goes to the writer.
    template <typename Row>
    void add(Row&& row)
    {
        batch.add(std::forward<Row>(row));
        if (batch.rows() >= kRowsPerBatch)
            handOver();
    }

    void handOver()
    {
        writer.submit(std::move(batch));
        batch = writer.emptyBatch();
    }

    void see(std::uint64_t t) { maxTs = std::max(maxTs, t); }

    // The vCPU and VM rows of the entities seen so far (written again, replacing, by a later call).
    void addEntities()
    {
        std::vector<const VcpuTrack*> byId;
        for (const auto& [key, v] : vcpus)
            byId.push_back(&v);
        std::sort(byId.begin(), byId.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
        for (const VcpuTrack* v : byId)
            add(VcpuRow{.id = v->id, .vm = v->vm, .idx = v->idx, .name = v->name, .agent = v->agent});
        for (const auto& [vm, name] : vmNames)
            add(VmRow{.id = vm, .name = name});
    }

    // A following ingest: once commitInterval has passed since the last commit point, the rows made so far
    // (a partly filled batch too: a slow live stream would otherwise keep them here for long) go to the
    // writer with a commit point. With them a provisional run row (end_ts: the newest time seen, complete 0)
    // and the entities, so that a reader has the run's bounds and its tracks; finish() replaces them.
    void commitIfDue()
    {
        if (commitInterval.count() <= 0)
            return;
        const auto now = std::chrono::steady_clock::now();
        if (now < nextCommit)
            return;
        nextCommit = now + commitInterval;
        addEntities();
        add(RunRow{.configuration = configuration,
                   .endTs = std::max({runEndTs.value_or(0), maxTs, lastTs.value_or(0)}),
                   .instructions = instructions,
                   .complete = false});
        writer.submit(std::move(batch), true);
        batch = writer.emptyBatch();
    }

    VcpuTrack& vcpu(std::uint32_t vm, std::uint32_t index)
    {
        auto [it, inserted] = vcpus.try_emplace({vm, index});
        if (inserted) {
            it->second.id = ids.take<VcpuRow>();
            it->second.vm = vm;
            it->second.idx = index;
            vmNames.try_emplace(vm);
        }
        return it->second;
    }

    void closeSctlr(VcpuTrack& v, std::uint64_t end, bool open)
    {
        const std::uint64_t since = v.sctlrSince.value_or(0);
        add(SctlrStateRow{.id = ids.take<SctlrStateRow>(),
                          .ts = since,
                          .dur = end - std::min(end, since),
                          .vcpuId = v.id,
                          .value = v.sctlr,
                          .state = sctlrStateLabel((v.sctlr & kSctlrM) != 0, (v.sctlr & kSctlrC) != 0),
                          .open = open});
    }

    // The data-loss rows waiting for the time of the next timed event (their ts_after).
    void completeLosses(std::optional<std::uint64_t> tsAfter)
    {
        for (DataLossRow& loss : lossesAwaitingNextTime) {
            loss.tsAfter = tsAfter;
            add(std::move(loss));
        }
        lossesAwaitingNextTime.clear();
    }

    TraceRowWriter writer;
    RowBatch batch;
    std::chrono::milliseconds commitInterval; // 0: no commit points (one transaction, the caller's)
    std::chrono::steady_clock::time_point nextCommit;
    RowIds ids;
    MaintenanceSummary maintenanceSummary;

    std::map<std::pair<std::uint32_t, std::uint32_t>, VcpuTrack> vcpus;
    std::map<std::uint32_t, std::optional<std::string>> vmNames; // VMs seen, with the name vcpu_create gave
    std::vector<PendingFlush> flushes; // in request order
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> flushByKey; // (vm, flush_id) -> flushes index
    std::map<std::uint64_t, OpenWindow> windows;
    std::vector<DataLossRow> lossesAwaitingNextTime;
    std::optional<SetWayTrap> setWayTrap;
    std::optional<tracer::RunConfiguration> configuration;
    std::uint64_t events = 0;
    std::uint64_t maxTs = 0;
    std::optional<std::uint64_t> lastTs;
    std::optional<std::uint64_t> runEndTs;
    std::optional<std::uint64_t> instructions;
    std::uint64_t discardedEvents = 0;
    std::uint64_t lostPackets = 0;
    std::uint64_t rawEvents = 0;
    bool finished = false;
};

TraceDatabaseBuilder::TraceDatabaseBuilder(db::Database& db, std::chrono::milliseconds commitInterval)
    : m_impl(std::make_unique<Impl>(db, commitInterval))
{
}

void TraceDatabaseBuilder::idle()
{
    if (!m_impl->finished)
        m_impl->commitIfDue();
}

TraceDatabaseBuilder::~TraceDatabaseBuilder() = default;

std::uint64_t TraceDatabaseBuilder::events() const
{
    return m_impl->events;
}

std::uint64_t TraceDatabaseBuilder::discardedEvents() const
{
    return m_impl->discardedEvents;
}

std::uint64_t TraceDatabaseBuilder::lostPackets() const
{
    return m_impl->lostPackets;
}

void TraceDatabaseBuilder::beginEvent(std::optional<std::uint64_t> vtimeNs)
{
    Impl& m = *m_impl;
    m.commitIfDue();
    ++m.events;
    if (!vtimeNs)
        return;
    m.lastTs = vtimeNs;
    if (!m.lossesAwaitingNextTime.empty())
        m.completeLosses(vtimeNs);
}

void TraceDatabaseBuilder::dataLoss(const char* kind, std::uint64_t count, std::optional<std::int64_t> hostBegin,
                                    std::optional<std::int64_t> hostEnd)
{
    Impl& m = *m_impl;
    (std::string_view(kind) == "packets" ? m.lostPackets : m.discardedEvents) += count;
    m.lossesAwaitingNextTime.push_back(DataLossRow{.id = m.ids.take<DataLossRow>(),
                                                   .kind = kind,
                                                   .count = count,
                                                   .eventIndex = m.events,
                                                   .tsBefore = m.lastTs,
                                                   .tsAfter = std::nullopt,
                                                   .hostBegin = hostBegin,
                                                   .hostEnd = hostEnd});
}

void TraceDatabaseBuilder::rawEvent(const std::string& name, std::optional<std::uint64_t> vtimeNs, bool known,
                                    const std::vector<RawField>& fields)
{
    Impl& m = *m_impl;
    ++m.rawEvents;
    if (vtimeNs)
        m.see(*vtimeNs);
    const std::int64_t row = m.ids.take<RawEventRow>();
    m.add(RawEventRow{.id = row,
                      .eventIndex = m.events - (m.events > 0 ? 1 : 0),
                      .name = name,
                      .ts = vtimeNs,
                      .known = known});
    for (const RawField& f : fields)
        m.add(ArgRow{.id = m.ids.take<ArgRow>(),
                     .rawEvent = row,
                     .key = f.key,
                     .intValue = f.intValue,
                     .stringValue = f.stringValue});
}

void TraceDatabaseBuilder::runConfiguration(const tracer::RunConfiguration& c)
{
    Impl& m = *m_impl;
    m.configuration = c; // the run row is written by finish(), with what run_end adds
    m.add(MachineRow{c});
    for (std::uint32_t i = 0; i < c.clusters * c.coresPerCluster; ++i)
        m.add(CoreRow{.id = i, .cluster = i / std::max(c.coresPerCluster, 1u)});
}

void TraceDatabaseBuilder::runEnd(std::uint64_t t, std::uint64_t instructions)
{
    m_impl->see(t);
    m_impl->runEndTs = t;
    m_impl->instructions = instructions;
}

void TraceDatabaseBuilder::agent(std::uint32_t id, tracer::AgentRole role, const std::string& name, std::int32_t core)
{
    m_impl->add(AgentRow{.id = id, .role = label(role), .name = name, .core = coreOrNull(core)});
}

void TraceDatabaseBuilder::vcpuCreate(std::uint32_t vm, std::uint32_t index, std::uint32_t agent, std::uint32_t,
                                      const std::string& vmName, const std::string& name)
{
    Impl& m = *m_impl;
    Impl::VcpuTrack& v = m.vcpu(vm, index);
    v.agent = agent;
    v.name = name;
    m.vmNames[vm] = vmName;
}

void TraceDatabaseBuilder::vcpuRun(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t core)
{
    Impl& m = *m_impl;
    m.see(t);
    m.vcpu(vm, index).slice = Impl::OpenSlice{t, core};
}

void TraceDatabaseBuilder::vcpuStop(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t core,
                                    tracer::VcpuStopReason reason, std::uint64_t instructions)
{
    Impl& m = *m_impl;
    m.see(t);
    Impl::VcpuTrack& v = m.vcpu(vm, index);
    // Without its vcpu_run (lost, or before a snapshot's start) the slice is known to end here only.
    const std::uint64_t start = v.slice ? v.slice->ts : t;
    m.add(SchedSliceRow{.id = m.ids.take<SchedSliceRow>(),
                        .ts = start,
                        .dur = t - std::min(t, start),
                        .core = core,
                        .vcpuId = v.id,
                        .endReason = label(reason),
                        .instructions = instructions,
                        .open = false});
    v.slice.reset();
}

void TraceDatabaseBuilder::vcpuMigrate(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t from,
                                       std::uint32_t to)
{
    Impl& m = *m_impl;
    m.see(t);
    m.add(MigrationRow{
        .id = m.ids.take<MigrationRow>(), .ts = t, .vcpuId = m.vcpu(vm, index).id, .fromCore = from, .toCore = to});
}

void TraceDatabaseBuilder::timerTick(std::uint64_t t, std::uint32_t core)
{
    Impl& m = *m_impl;
    m.see(t);
    m.add(TimerTickRow{.id = m.ids.take<TimerTickRow>(), .ts = t, .core = core});
}

void TraceDatabaseBuilder::trap(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t core,
                                tracer::TrapKind kind, std::uint32_t detail, std::uint64_t operand,
                                std::uint64_t oldValue, std::uint64_t newValue)
{
    Impl& m = *m_impl;
    m.see(t);
    const Impl::VcpuTrack& v = m.vcpu(vm, index);
    if (kind == tracer::TrapKind::SetWay)
        m.setWayTrap = Impl::SetWayTrap{m.events, v.agent};
    m.add(TrapRow{.id = m.ids.take<TrapRow>(),
                  .ts = t,
                  .vcpuId = v.id,
                  .core = core,
                  .kind = label(kind),
                  .detail = detail,
                  .what = trapWhat(kind, detail),
                  .operand = operand,
                  .oldValue = oldValue,
                  .newValue = newValue,
                  .cachesOn = (v.sctlr & kSctlrM) != 0 && (v.sctlr & kSctlrC) != 0});
}

void TraceDatabaseBuilder::setWayTraps(const tracer::SetWayTrapBatch& batch)
{
    // One trap row per trap: the batch is how the trace carries them, not what they are.
    for (const tracer::SetWayTrap& t : tracer::decodeSetWayTraps(batch))
        trap(t.vtimeNs, batch.vm, batch.vcpu, batch.core, tracer::TrapKind::SetWay, t.op, t.operand, 0, 0);
}

void TraceDatabaseBuilder::sctlrChange(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint64_t oldValue,
                                       std::uint64_t newValue)
{
    Impl& m = *m_impl;
    m.see(t);
    Impl::VcpuTrack& v = m.vcpu(vm, index);
    if (!v.sctlrSince)
        v.sctlr = oldValue; // the value it had since reset
    m.closeSctlr(v, t, false);
    v.sctlrSince = t;
    v.sctlr = newValue;
}

void TraceDatabaseBuilder::tvmChange(std::uint64_t t, std::uint32_t vm, std::uint32_t index, bool armed)
{
    Impl& m = *m_impl;
    m.see(t);
    Impl::VcpuTrack& v = m.vcpu(vm, index);
    if (armed && !v.tvmSince) {
        v.tvmSince = t;
    } else if (!armed && v.tvmSince) {
        m.add(TvmStateRow{.id = m.ids.take<TvmStateRow>(),
                          .ts = *v.tvmSince,
                          .dur = t - std::min(t, *v.tvmSince),
                          .vcpuId = v.id,
                          .open = false});
        v.tvmSince.reset();
    }
}

void TraceDatabaseBuilder::console(std::uint64_t t, std::uint32_t vm, std::uint32_t index, const std::string& text)
{
    Impl& m = *m_impl;
    m.see(t);
    m.add(ConsoleRow{.id = m.ids.take<ConsoleRow>(), .ts = t, .vcpuId = m.vcpu(vm, index).id, .text = text});
}

void TraceDatabaseBuilder::marker(std::uint64_t t, std::uint32_t vm, std::uint32_t index, const std::string& name)
{
    Impl& m = *m_impl;
    m.see(t);
    m.add(MarkerRow{.id = m.ids.take<MarkerRow>(), .ts = t, .vcpuId = m.vcpu(vm, index).id, .name = name});
}

void TraceDatabaseBuilder::flushRequest(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t flushId,
                                        tracer::FlushReason reason)
{
    Impl& m = *m_impl;
    m.see(t);
    // A second request of one (vm, flush_id) still gets its row: the table's UNIQUE (vm, flush_id) then
    // refuses the trace at finish(), as an INSERT at the request used to.
    m.flushByKey[{vm, flushId}] = m.flushes.size();
    m.flushes.push_back(Impl::PendingFlush{.row = FlushRow{.id = m.ids.take<FlushRow>(),
                                                           .vm = vm,
                                                           .flushId = flushId,
                                                           .vcpuId = m.vcpu(vm, index).id,
                                                           .ts = t,
                                                           .dur = 0,
                                                           .reason = label(reason),
                                                           .segments = 0,
                                                           .pages = 0,
                                                           .longestSegment = 0,
                                                           .finished = false},
                                           .lastEnd = t});
}

void TraceDatabaseBuilder::flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core,
                                        std::uint32_t flushId, std::uint64_t pages, std::uint64_t regionsSkipped,
                                        bool finished, std::uint64_t resumeGfn, std::uint64_t unpreemptedDelayNs)
{
    Impl& m = *m_impl;
    m.see(end);
    const auto found = m.flushByKey.find({vm, flushId});
    Impl::PendingFlush* pending = found != m.flushByKey.end() ? &m.flushes[found->second] : nullptr;
    FlushRow* flush = pending != nullptr ? &pending->row : nullptr;
    const std::uint64_t dur = end - std::min(end, start);
    m.add(FlushSegmentRow{.id = m.ids.take<FlushSegmentRow>(),
                          .flush = flush != nullptr ? std::optional<std::int64_t>(flush->id) : std::nullopt,
                          .vm = vm,
                          .flushId = flushId,
                          .seq = flush != nullptr ? flush->segments : 0u,
                          .core = core,
                          .ts = start,
                          .dur = dur,
                          .pages = pages,
                          .regionsSkipped = regionsSkipped,
                          .finished = finished,
                          .resumeGfn = resumeGfn,
                          .unpreemptedDelayNs = unpreemptedDelayNs});
    if (flush != nullptr) {
        ++flush->segments;
        flush->pages += pages;
        flush->longestSegment = std::max(flush->longestSegment, dur);
        flush->finished = finished;
        pending->lastEnd = std::max(pending->lastEnd, end);
    }
}

void TraceDatabaseBuilder::maintenance(std::uint64_t t, std::uint32_t agent, std::int32_t core, tracer::MaintenanceOp op,
                                       std::uint64_t address, std::uint64_t bytes, std::uint64_t cleaned,
                                       std::uint64_t invalidated, std::uint64_t discarded)
{
    Impl& m = *m_impl;
    m.see(t);
    const bool bySetWay = op >= tracer::MaintenanceOp::DcIsw;
    // A trap handler's own maintenance follows its trap event directly (record order): the trap and its
    // handling are one step of the vCPU.
    const bool trapped = bySetWay && m.setWayTrap && m.setWayTrap->eventIndex + 1 == m.events &&
                         m.setWayTrap->agent == std::optional<std::uint32_t>(agent);
    // The set/way operand's level field is bits [3:1], level - 1 (Arm ARM D7.5.9.16).
    const std::optional<std::int64_t> level =
        bySetWay ? std::optional<std::int64_t>(((address >> 1) & 7) + 1) : std::nullopt;
    MaintenanceRow row{.id = m.ids.take<MaintenanceRow>(),
                       .ts = t,
                       .agent = agent,
                       .core = coreOrNull(core),
                       .op = label(op),
                       .bySetWay = bySetWay,
                       .address = address,
                       .bytes = bytes,
                       .level = level,
                       .trapped = trapped,
                       .linesCleaned = cleaned,
                       .linesInvalidated = invalidated,
                       .dirtyDiscarded = discarded};
    m.maintenanceSummary.add(row);
    m.add(std::move(row));
}

void TraceDatabaseBuilder::staleRead(const tracer::StaleReadEvent& r)
{
    staleRead(r, r.latestWriteNs);
}

void TraceDatabaseBuilder::staleRead(const tracer::StaleReadEvent& r, std::optional<std::uint64_t> latestWriteNs)
{
    Impl& m = *m_impl;
    m.see(r.vtimeNs);
    m.add(StaleReadRow{.id = m.ids.take<StaleReadRow>(),
                       .ts = r.vtimeNs,
                       .agent = r.agent,
                       .core = coreOrNull(r.core),
                       .address = r.address,
                       .staleWords = r.staleWords,
                       .versionReturned = r.versionReturned,
                       .latestVersion = r.latestVersion,
                       .latestWriter = r.latestWriter,
                       .source = label(r.source),
                       .sourceInstance = r.sourceInstance,
                       .latestHeldIn = label(r.latestHeldIn),
                       .heldInstance = r.heldInstance,
                       .latestWriteTs = latestWriteNs});
}

void TraceDatabaseBuilder::clobber(const tracer::ClobberEvent& c)
{
    Impl& m = *m_impl;
    m.see(c.vtimeNs);
    ClobberRow row{.id = m.ids.take<ClobberRow>(),
                   .ts = c.vtimeNs,
                   .address = c.address,
                   .words = c.words,
                   .origin = label(c.origin),
                   .originInstance = c.originInstance,
                   .lineVersion = c.lineVersion,
                   .overwrittenVersion = c.overwrittenVersion,
                   .cause = c.cause,
                   .overwrittenWriter = c.overwrittenWriteKnown ? std::optional(c.overwrittenWriter) : std::nullopt,
                   .overwrittenWriteTs = c.overwrittenWriteKnown ? std::optional(c.overwrittenWriteNs) : std::nullopt};
    m.add(std::move(row));
}

void TraceDatabaseBuilder::staleWindowOpen(std::uint64_t t, std::uint64_t page, const std::string& observers,
                                           const std::string& cause)
{
    Impl& m = *m_impl;
    m.see(t);
    m.windows[page] = Impl::OpenWindow{t, observers, cause};
}

void TraceDatabaseBuilder::staleWindowClose(std::uint64_t t, std::uint64_t page, const std::string& resolvedBy)
{
    Impl& m = *m_impl;
    m.see(t);
    const auto open = m.windows.find(page);
    const bool opened = open != m.windows.end();
    // A close without its open (lost, or before a snapshot's start): the window is known to end here only.
    const std::uint64_t start = opened ? open->second.ts : t;
    m.add(StaleWindowRow{.id = m.ids.take<StaleWindowRow>(),
                         .page = page,
                         .ts = start,
                         .dur = t - std::min(t, start),
                         .observers = opened ? std::move(open->second.observers) : std::string(),
                         .cause = opened ? std::move(open->second.cause) : std::string("(open not in trace)"),
                         .resolvedBy = resolvedBy,
                         .open = false});
    if (opened)
        m.windows.erase(open);
}

void TraceDatabaseBuilder::toolstackWrite(std::uint64_t t, std::uint32_t vm, std::uint32_t core, std::uint32_t mode,
                                          std::uint64_t ipa, std::uint64_t bytes)
{
    Impl& m = *m_impl;
    m.see(t);
    m.add(ToolstackActionRow{.id = m.ids.take<ToolstackActionRow>(),
                             .ts = t,
                             .vm = vm,
                             .core = core,
                             .mode = toolstackModeLabel(mode),
                             .ipa = ipa,
                             .bytes = bytes});
}

void TraceDatabaseBuilder::finish()
{
    Impl& m = *m_impl;
    if (m.finished) {
        m.writer.finish(); // rethrows the writer's error, if it had one
        return;
    }
    m.finished = true;
    m.completeLosses(std::nullopt);
    const std::uint64_t end = std::max(m.runEndTs.value_or(0), m.maxTs);
    for (auto& [key, v] : m.vcpus) {
        if (v.slice)
            m.add(SchedSliceRow{.id = m.ids.take<SchedSliceRow>(),
                                .ts = v.slice->ts,
                                .dur = end - std::min(end, v.slice->ts),
                                .core = v.slice->core,
                                .vcpuId = v.id,
                                .endReason = nullptr,
                                .instructions = std::nullopt,
                                .open = true});
        if (v.sctlrSince) {
            m.closeSctlr(v, end, true);
        } else {
            // Never changed: one interval with the value unknown (the reset value is not in the trace).
            m.add(SctlrStateRow{.id = m.ids.take<SctlrStateRow>(),
                                .ts = 0,
                                .dur = end,
                                .vcpuId = v.id,
                                .value = std::nullopt,
                                .state = "reset",
                                .open = true});
        }
        if (v.tvmSince)
            m.add(TvmStateRow{.id = m.ids.take<TvmStateRow>(),
                              .ts = *v.tvmSince,
                              .dur = end - std::min(end, *v.tvmSince),
                              .vcpuId = v.id,
                              .open = true});
    }
    for (auto& [page, w] : m.windows)
        m.add(StaleWindowRow{.id = m.ids.take<StaleWindowRow>(),
                             .page = page,
                             .ts = w.ts,
                             .dur = end - std::min(end, w.ts),
                             .observers = std::move(w.observers),
                             .cause = std::move(w.cause),
                             .resolvedBy = std::nullopt,
                             .open = true});
    m.windows.clear();
    for (Impl::PendingFlush& flush : m.flushes) {
        // An unfinished flush lasts to the run end.
        const std::uint64_t flushEnd = flush.row.finished ? flush.lastEnd : end;
        flush.row.dur = flushEnd - std::min(flushEnd, flush.row.ts);
        m.add(std::move(flush.row));
    }
    m.flushes.clear();
    m.addEntities();
    m.add(RunRow{.configuration = m.configuration,
                 .endTs = end,
                 .instructions = m.instructions,
                 .complete = m.configuration.has_value() && m.runEndTs.has_value()});
    for (MaintenanceSummaryRow& row : m.maintenanceSummary.rows())
        m.add(std::move(row));
    for (auto [key, value] : {std::pair<const char*, std::string>{"vcm_version", VCM_VERSION},
                              {"babeltrace_version", babeltraceVersion()},
                              {"schema_version", std::to_string(db::kSchemaVersion)},
                              {"events", std::to_string(m.events)},
                              {"unknown_events", std::to_string(m.rawEvents)},
                              {"discarded_events", std::to_string(m.discardedEvents)},
                              {"lost_packets", std::to_string(m.lostPackets)}})
        m.add(MetaRow{.key = key, .value = std::move(value)});
    if (!m.batch.empty())
        m.handOver();
    m.writer.finish();
}

} // namespace vcm::analyzer

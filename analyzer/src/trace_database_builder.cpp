#include "vcm/analyzer/trace_database_builder.h"

#include "vcm/analyzer/analyzer_version.h"
#include "vcm/db/schema.h"
#include "vcm/analyzer/trace_labels.h"

#include <fmt/core.h>

#include <algorithm>

namespace vcm::analyzer {
namespace {

using db::Statement;

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
constexpr std::uint64_t kSctlrI = 1u << 12;

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
    std::optional<SetWayTrap> setWayTrap;
    struct FlushTotals {
        std::int64_t row = 0;
        std::uint64_t ts = 0;
        std::uint64_t lastEnd = 0;
        std::uint32_t segments = 0;
        std::uint64_t pages = 0;
        std::uint64_t longest = 0;
        bool finished = false;
    };
    struct OpenWindow {
        std::uint64_t ts;
        std::string observers;
        std::string cause;
    };

    explicit Impl(db::Database& database)
        : db(database),
          insertSlice(db.prepare("INSERT INTO sched_slice (ts, dur, core, vcpu_id, end_reason, instructions, open) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)")),
          insertMigration(db.prepare("INSERT INTO migration (ts, vcpu_id, from_core, to_core) VALUES (?, ?, ?, ?)")),
          insertTick(db.prepare("INSERT INTO timer_tick (ts, core) VALUES (?, ?)")),
          insertSctlr(db.prepare("INSERT INTO sctlr_state (ts, dur, vcpu_id, value, m, c, i, state, open) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")),
          insertTvm(db.prepare("INSERT INTO tvm_state (ts, dur, vcpu_id, open) VALUES (?, ?, ?, ?)")),
          insertTrap(db.prepare("INSERT INTO trap (ts, vcpu_id, core, kind, detail, what, operand, old_value, "
                                "new_value, caches_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
          insertFlush(db.prepare("INSERT INTO flush (vm, flush_id, vcpu_id, ts, dur, reason) VALUES (?, ?, ?, ?, 0, ?)")),
          insertSegment(db.prepare("INSERT INTO flush_segment (flush, vm, flush_id, seq, core, ts, dur, pages, "
                                   "regions_skipped, finished, resume_gfn, unpreempted_delay_ns) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
          insertMaintenance(db.prepare("INSERT INTO maintenance (ts, agent, core, op, by_set_way, address, bytes, "
                                       "level, trapped, lines_cleaned, lines_invalidated, dirty_discarded) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
          insertStaleRead(db.prepare("INSERT INTO stale_read (ts, agent, core, address, stale_words, version_returned, "
                                     "latest_version, latest_writer, source, source_instance, latest_held_in, "
                                     "held_instance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
          insertClobber(db.prepare("INSERT INTO clobber (ts, address, words, origin, origin_instance, line_version, "
                                   "overwritten_version, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")),
          insertWindow(db.prepare("INSERT INTO stale_window (page, ts, dur, observers, cause, resolved_by, open) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)")),
          insertToolstack(db.prepare("INSERT INTO toolstack_action (ts, vm, core, action, mode, ipa, bytes) "
                                     "VALUES (?, ?, ?, 'write', ?, ?, ?)")),
          insertMarker(db.prepare("INSERT INTO marker (ts, vcpu_id, name) VALUES (?, ?, ?)")),
          insertConsole(db.prepare("INSERT INTO console (ts, vcpu_id, text) VALUES (?, ?, ?)")),
          insertRawEvent(db.prepare("INSERT INTO raw_event (event_index, name, ts, known) VALUES (?, ?, ?, ?)")),
          insertArg(db.prepare("INSERT INTO args (raw_event, key, int_value, string_value) VALUES (?, ?, ?, ?)"))
    {
    }

    void see(std::uint64_t t) { maxTs = std::max(maxTs, t); }

    VcpuTrack& vcpu(std::uint32_t vm, std::uint32_t index)
    {
        auto [it, inserted] = vcpus.try_emplace({vm, index});
        if (inserted) {
            db.prepare("INSERT OR IGNORE INTO vm (id) VALUES (?)").bind(1, vm).run();
            Statement insert = db.prepare("INSERT INTO vcpu (vm, idx) VALUES (?, ?)");
            insert.bind(1, vm).bind(2, index).run();
            it->second.id = db.lastInsertRowId();
        }
        return it->second;
    }

    void closeSctlr(VcpuTrack& v, std::uint64_t end, bool open)
    {
        const std::uint64_t since = v.sctlrSince.value_or(0);
        const bool m = (v.sctlr & kSctlrM) != 0;
        const bool c = (v.sctlr & kSctlrC) != 0;
        insertSctlr.bind(1, since)
            .bind(2, end - std::min(end, since))
            .bind(3, v.id)
            .bind(4, v.sctlr)
            .bind(5, std::int64_t{m})
            .bind(6, std::int64_t{c})
            .bind(7, std::int64_t{(v.sctlr & kSctlrI) != 0})
            .bind(8, sctlrStateLabel(m, c))
            .bind(9, std::int64_t{open})
            .run();
    }

    db::Database& db;
    Statement insertSlice, insertMigration, insertTick, insertSctlr, insertTvm, insertTrap, insertFlush, insertSegment,
        insertMaintenance, insertStaleRead, insertClobber, insertWindow, insertToolstack, insertMarker, insertConsole,
        insertRawEvent, insertArg;

    std::map<std::pair<std::uint32_t, std::uint32_t>, VcpuTrack> vcpus;
    std::map<std::pair<std::uint32_t, std::uint32_t>, FlushTotals> flushes;
    std::map<std::uint64_t, OpenWindow> windows;
    std::vector<std::int64_t> lossAwaitingNextTime;
    std::uint64_t events = 0;
    std::uint64_t maxTs = 0;
    std::optional<std::uint64_t> lastTs;
    std::optional<std::uint64_t> runEndTs;
    std::optional<std::uint64_t> instructions;
    bool configured = false;
    std::uint64_t discardedEvents = 0;
    std::uint64_t lostPackets = 0;
    std::uint64_t rawEvents = 0;
};

TraceDatabaseBuilder::TraceDatabaseBuilder(db::Database& db) : m_impl(std::make_unique<Impl>(db)) {}

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
    ++m.events;
    if (!vtimeNs)
        return;
    m.lastTs = vtimeNs;
    if (!m.lossAwaitingNextTime.empty()) {
        Statement update = m.db.prepare("UPDATE data_loss SET ts_after = ? WHERE id = ?");
        for (std::int64_t row : m.lossAwaitingNextTime)
            update.bind(1, *vtimeNs).bind(2, row).run();
        m.lossAwaitingNextTime.clear();
    }
}

void TraceDatabaseBuilder::dataLoss(const char* kind, std::uint64_t count, std::optional<std::int64_t> hostBegin,
                                    std::optional<std::int64_t> hostEnd)
{
    Impl& m = *m_impl;
    (std::string_view(kind) == "packets" ? m.lostPackets : m.discardedEvents) += count;
    m.db.prepare("INSERT INTO data_loss (kind, count, event_index, ts_before, host_begin, host_end) "
                 "VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, kind)
        .bind(2, count)
        .bind(3, m.events)
        .bind(4, m.lastTs)
        .bind(5, hostBegin)
        .bind(6, hostEnd)
        .run();
    m.lossAwaitingNextTime.push_back(m.db.lastInsertRowId());
}

void TraceDatabaseBuilder::rawEvent(const std::string& name, std::optional<std::uint64_t> vtimeNs, bool known,
                                    const std::vector<RawField>& fields)
{
    Impl& m = *m_impl;
    ++m.rawEvents;
    if (vtimeNs)
        m.see(*vtimeNs);
    m.insertRawEvent.bind(1, m.events - (m.events > 0 ? 1 : 0)).bind(2, name).bind(3, vtimeNs).bind(4, std::int64_t{known}).run();
    const std::int64_t row = m.db.lastInsertRowId();
    for (const RawField& f : fields)
        m.insertArg.bind(1, row).bind(2, f.key).bind(3, f.intValue).bind(4, f.stringValue).run();
}

void TraceDatabaseBuilder::runConfiguration(const tracer::RunConfiguration& c)
{
    Impl& m = *m_impl;
    m.configured = true;
    m.db.prepare("INSERT OR REPLACE INTO run (id, scenario, scenario_text, policy, knobs, overrides, vcm_version, guests, "
                 "seed, core_mhz) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, c.scenario)
        .bind(2, c.scenarioText)
        .bind(3, c.policy)
        .bind(4, c.knobs)
        .bind(5, c.overrides)
        .bind(6, c.vcmVersion)
        .bind(7, c.guests)
        .bind(8, c.seed)
        .bind(9, c.coreMHz)
        .run();
    m.db.prepare("INSERT OR REPLACE INTO machine (id, clusters, cores_per_cluster, line_bytes, l1_bytes, l1_ways, "
                 "l2_bytes, l2_ways, system_cache_bytes, system_cache_ways) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, c.clusters)
        .bind(2, c.coresPerCluster)
        .bind(3, c.lineBytes)
        .bind(4, c.l1Bytes)
        .bind(5, c.l1Ways)
        .bind(6, c.l2Bytes)
        .bind(7, c.l2Ways)
        .bind(8, c.systemCacheBytes)
        .bind(9, c.systemCacheWays)
        .run();
    Statement core = m.db.prepare("INSERT OR IGNORE INTO core (id, cluster) VALUES (?, ?)");
    for (std::uint32_t i = 0; i < c.clusters * c.coresPerCluster; ++i)
        core.bind(1, i).bind(2, i / std::max(c.coresPerCluster, 1u)).run();
}

void TraceDatabaseBuilder::runEnd(std::uint64_t t, std::uint64_t instructions)
{
    m_impl->see(t);
    m_impl->runEndTs = t;
    m_impl->instructions = instructions;
}

void TraceDatabaseBuilder::agent(std::uint32_t id, tracer::AgentRole role, const std::string& name, std::int32_t core)
{
    m_impl->db.prepare("INSERT OR REPLACE INTO agent (id, role, name, core) VALUES (?, ?, ?, ?)")
        .bind(1, id)
        .bind(2, label(role))
        .bind(3, name)
        .bind(4, coreOrNull(core))
        .run();
}

void TraceDatabaseBuilder::vcpuCreate(std::uint32_t vm, std::uint32_t index, std::uint32_t agent, std::uint32_t,
                                      const std::string& vmName, const std::string& name)
{
    Impl& m = *m_impl;
    Impl::VcpuTrack& v = m.vcpu(vm, index);
    v.agent = agent;
    m.db.prepare("UPDATE vcpu SET name = ?, agent = ? WHERE id = ?").bind(1, name).bind(2, agent).bind(3, v.id).run();
    m.db.prepare("UPDATE vm SET name = ? WHERE id = ?").bind(1, vmName).bind(2, vm).run();
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
    m.insertSlice.bind(1, start)
        .bind(2, t - std::min(t, start))
        .bind(3, core)
        .bind(4, v.id)
        .bind(5, label(reason))
        .bind(6, instructions)
        .bind(7, std::int64_t{0})
        .run();
    v.slice.reset();
}

void TraceDatabaseBuilder::vcpuMigrate(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t from,
                                       std::uint32_t to)
{
    Impl& m = *m_impl;
    m.see(t);
    m.insertMigration.bind(1, t).bind(2, m.vcpu(vm, index).id).bind(3, from).bind(4, to).run();
}

void TraceDatabaseBuilder::timerTick(std::uint64_t t, std::uint32_t core)
{
    m_impl->see(t);
    m_impl->insertTick.bind(1, t).bind(2, core).run();
}

void TraceDatabaseBuilder::trap(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t core,
                                tracer::TrapKind kind, std::uint32_t detail, std::uint64_t operand,
                                std::uint64_t oldValue, std::uint64_t newValue)
{
    Impl& m = *m_impl;
    m.see(t);
    const Impl::VcpuTrack& v = m.vcpu(vm, index);
    const bool cachesOn = (v.sctlr & kSctlrM) != 0 && (v.sctlr & kSctlrC) != 0;
    if (kind == tracer::TrapKind::SetWay)
        m.setWayTrap = Impl::SetWayTrap{m.events, v.agent};
    m.insertTrap.bind(1, t)
        .bind(2, v.id)
        .bind(3, core)
        .bind(4, label(kind))
        .bind(5, detail)
        .bind(6, trapWhat(kind, detail))
        .bind(7, operand)
        .bind(8, oldValue)
        .bind(9, newValue)
        .bind(10, std::int64_t{cachesOn})
        .run();
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
        m.insertTvm.bind(1, *v.tvmSince).bind(2, t - std::min(t, *v.tvmSince)).bind(3, v.id).bind(4, std::int64_t{0}).run();
        v.tvmSince.reset();
    }
}

void TraceDatabaseBuilder::console(std::uint64_t t, std::uint32_t vm, std::uint32_t index, const std::string& text)
{
    Impl& m = *m_impl;
    m.see(t);
    m.insertConsole.bind(1, t).bind(2, m.vcpu(vm, index).id).bind(3, text).run();
}

void TraceDatabaseBuilder::marker(std::uint64_t t, std::uint32_t vm, std::uint32_t index, const std::string& name)
{
    Impl& m = *m_impl;
    m.see(t);
    m.insertMarker.bind(1, t).bind(2, m.vcpu(vm, index).id).bind(3, name).run();
}

void TraceDatabaseBuilder::flushRequest(std::uint64_t t, std::uint32_t vm, std::uint32_t index, std::uint32_t flushId,
                                        tracer::FlushReason reason)
{
    Impl& m = *m_impl;
    m.see(t);
    m.insertFlush.bind(1, vm).bind(2, flushId).bind(3, m.vcpu(vm, index).id).bind(4, t).bind(5, label(reason)).run();
    Impl::FlushTotals& totals = m.flushes[{vm, flushId}];
    totals.row = m.db.lastInsertRowId();
    totals.ts = t;
    totals.lastEnd = t;
}

void TraceDatabaseBuilder::flushSegment(std::uint64_t start, std::uint64_t end, std::uint32_t vm, std::uint32_t core,
                                        std::uint32_t flushId, std::uint64_t pages, std::uint64_t regionsSkipped,
                                        bool finished, std::uint64_t resumeGfn, std::uint64_t unpreemptedDelayNs)
{
    Impl& m = *m_impl;
    m.see(end);
    const auto found = m.flushes.find({vm, flushId});
    Impl::FlushTotals* totals = found != m.flushes.end() ? &found->second : nullptr;
    const std::uint64_t dur = end - std::min(end, start);
    m.insertSegment.bind(1, totals != nullptr ? std::optional<std::int64_t>(totals->row) : std::nullopt)
        .bind(2, vm)
        .bind(3, flushId)
        .bind(4, totals != nullptr ? totals->segments : 0u)
        .bind(5, core)
        .bind(6, start)
        .bind(7, dur)
        .bind(8, pages)
        .bind(9, regionsSkipped)
        .bind(10, std::int64_t{finished})
        .bind(11, resumeGfn)
        .bind(12, unpreemptedDelayNs)
        .run();
    if (totals != nullptr) {
        ++totals->segments;
        totals->pages += pages;
        totals->longest = std::max(totals->longest, dur);
        totals->lastEnd = std::max(totals->lastEnd, end);
        totals->finished = finished;
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
    m.insertMaintenance.bind(1, t)
        .bind(2, agent)
        .bind(3, coreOrNull(core))
        .bind(4, label(op))
        .bind(5, std::int64_t{bySetWay})
        .bind(6, address)
        .bind(7, bytes)
        .bind(8, level)
        .bind(9, std::int64_t{trapped})
        .bind(10, cleaned)
        .bind(11, invalidated)
        .bind(12, discarded)
        .run();
}

void TraceDatabaseBuilder::staleRead(std::uint64_t t, std::uint32_t agent, std::int32_t core, std::uint64_t address,
                                     std::uint32_t staleWords, std::uint64_t versionReturned,
                                     std::uint64_t latestVersion, std::uint32_t latestWriter,
                                     tracer::ValueSourceKind source, std::uint32_t sourceInstance,
                                     tracer::ValueSourceKind heldIn, std::uint32_t heldInstance)
{
    Impl& m = *m_impl;
    m.see(t);
    m.insertStaleRead.bind(1, t)
        .bind(2, agent)
        .bind(3, coreOrNull(core))
        .bind(4, address)
        .bind(5, staleWords)
        .bind(6, versionReturned)
        .bind(7, latestVersion)
        .bind(8, latestWriter)
        .bind(9, label(source))
        .bind(10, sourceInstance)
        .bind(11, label(heldIn))
        .bind(12, heldInstance)
        .run();
}

void TraceDatabaseBuilder::clobber(std::uint64_t t, std::uint64_t address, std::uint32_t words,
                                   tracer::ValueSourceKind origin, std::uint32_t instance, std::uint64_t lineVersion,
                                   std::uint64_t overwritten, const std::string& cause)
{
    Impl& m = *m_impl;
    m.see(t);
    m.insertClobber.bind(1, t)
        .bind(2, address)
        .bind(3, words)
        .bind(4, label(origin))
        .bind(5, instance)
        .bind(6, lineVersion)
        .bind(7, overwritten)
        .bind(8, cause)
        .run();
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
    // A close without its open (lost, or before a snapshot's start): the window is known to end here only.
    const std::uint64_t start = open != m.windows.end() ? open->second.ts : t;
    m.insertWindow.bind(1, page)
        .bind(2, start)
        .bind(3, t - std::min(t, start))
        .bind(4, open != m.windows.end() ? open->second.observers : std::string())
        .bind(5, open != m.windows.end() ? open->second.cause : std::string("(open not in trace)"))
        .bind(6, resolvedBy)
        .bind(7, std::int64_t{0})
        .run();
    if (open != m.windows.end())
        m.windows.erase(open);
}

void TraceDatabaseBuilder::toolstackWrite(std::uint64_t t, std::uint32_t vm, std::uint32_t core, std::uint32_t mode,
                                          std::uint64_t ipa, std::uint64_t bytes)
{
    Impl& m = *m_impl;
    m.see(t);
    m.insertToolstack.bind(1, t).bind(2, vm).bind(3, core).bind(4, toolstackModeLabel(mode)).bind(5, ipa).bind(6, bytes).run();
}

void TraceDatabaseBuilder::finish()
{
    Impl& m = *m_impl;
    const std::uint64_t end = std::max(m.runEndTs.value_or(0), m.maxTs);
    for (auto& [key, v] : m.vcpus) {
        if (v.slice)
            m.insertSlice.bind(1, v.slice->ts)
                .bind(2, end - std::min(end, v.slice->ts))
                .bind(3, v.slice->core)
                .bind(4, v.id)
                .bindNull(5)
                .bindNull(6)
                .bind(7, std::int64_t{1})
                .run();
        if (v.sctlrSince) {
            m.closeSctlr(v, end, true);
        } else {
            // Never changed: one interval with the value unknown (the reset value is not in the trace).
            m.insertSctlr.bind(1, std::int64_t{0}).bind(2, end).bind(3, v.id).bindNull(4).bindNull(5).bindNull(6)
                .bindNull(7).bind(8, "reset").bind(9, std::int64_t{1}).run();
        }
        if (v.tvmSince)
            m.insertTvm.bind(1, *v.tvmSince).bind(2, end - std::min(end, *v.tvmSince)).bind(3, v.id)
                .bind(4, std::int64_t{1}).run();
    }
    for (const auto& [page, w] : m.windows)
        m.insertWindow.bind(1, page)
            .bind(2, w.ts)
            .bind(3, end - std::min(end, w.ts))
            .bind(4, w.observers)
            .bind(5, w.cause)
            .bindNull(6)
            .bind(7, std::int64_t{1})
            .run();
    Statement updateFlush = m.db.prepare(
        "UPDATE flush SET dur = ?, segments = ?, pages = ?, longest_segment = ?, finished = ? WHERE id = ?");
    for (const auto& [key, f] : m.flushes) {
        const std::uint64_t flushEnd = f.finished ? f.lastEnd : end;
        updateFlush.bind(1, flushEnd - std::min(flushEnd, f.ts))
            .bind(2, f.segments)
            .bind(3, f.pages)
            .bind(4, f.longest)
            .bind(5, std::int64_t{f.finished})
            .bind(6, f.row)
            .run();
    }
    m.db.exec("INSERT OR IGNORE INTO run (id) VALUES (1)");
    m.db.prepare("UPDATE run SET end_ts = ?, instructions = ?, complete = ? WHERE id = 1")
        .bind(1, end)
        .bind(2, m.instructions)
        .bind(3, std::int64_t{m.configured && m.runEndTs.has_value()})
        .run();
    Statement meta = m.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    meta.bind(1, "vcm_version").bind(2, VCM_VERSION).run();
    meta.bind(1, "babeltrace_version").bind(2, babeltraceVersion()).run();
    meta.bind(1, "schema_version").bind(2, std::to_string(db::kSchemaVersion)).run();
    meta.bind(1, "events").bind(2, std::to_string(m.events)).run();
    meta.bind(1, "unknown_events").bind(2, std::to_string(m.rawEvents)).run();
    meta.bind(1, "discarded_events").bind(2, std::to_string(m.discardedEvents)).run();
    meta.bind(1, "lost_packets").bind(2, std::to_string(m.lostPackets)).run();
}

} // namespace vcm::analyzer

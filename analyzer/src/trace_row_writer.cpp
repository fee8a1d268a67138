#include "trace_row_writer.h"

#include <fmt/core.h>
#include <pthread.h>

#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace vcm::analyzer {

using namespace rows; // this file builds or writes the rows of trace_rows.h
namespace {

// Rows per multi-row INSERT: one statement run per 32 rows instead of per row (the statement's setup, cursor
// and transaction checks, reset) cut SQLite's CPU time per row by a third in a measurement on 5.25 M maintenance
// rows (5.5 s to 3.7 s); at most 32 x 14 parameters.
constexpr std::size_t kRowsPerStatement = 32;
// Batches the reader may run ahead of the writer (and batches kept for reuse).
constexpr std::size_t kQueuedBatches = 8;

constexpr std::uint64_t kSctlrM = 1u << 0;
constexpr std::uint64_t kSctlrC = 1u << 2;
constexpr std::uint64_t kSctlrI = 1u << 12;

// "INSERT ... INTO table (columns)" of one row type, and how many columns it lists.
struct InsertInto {
    const char* head;
    int columns;
};

template <typename Row>
using Is = std::type_identity<Row>;

// The rows' text outlives each statement run (the batch is recycled only after the whole batch is written),
// so it is bound without a copy.
void bindText(db::Statement& s, int index, const std::string& text)
{
    s.bindUncopied(index, text);
}

void bindText(db::Statement& s, int index, const std::optional<std::string>& text)
{
    if (text)
        s.bindUncopied(index, *text);
    else
        s.bindNull(index);
}

void bindLabel(db::Statement& s, int index, const char* label)
{
    if (label != nullptr)
        s.bindUncopied(index, label);
    else
        s.bindNull(index);
}

void bindFlag(db::Statement& s, int index, bool flag)
{
    s.bind(index, std::int64_t{flag});
}

// The tables whose ids the builder numbers (from 1, in the order it writes their rows) are inserted with a NULL
// id: SQLite then appends the row under the next rowid, which is the id the builder gave it (TableInserter
// checks that it is), without the b-tree search an explicit id costs (checking that no row has it yet): a
// quarter of the writer's time on millions of rows.
template <typename Row>
constexpr bool kIdIsNextRowid =
    (RowIds::numbers<Row> && !std::is_same_v<Row, VcpuRow>) || std::is_same_v<Row, MaintenanceSummaryRow>;

void bindNextRowid(db::Statement& s, int index)
{
    s.bindNull(index);
}

InsertInto insertInto(Is<MetaRow>)
{
    return {"INSERT OR REPLACE INTO meta (key, value)", 2};
}

void bindRow(db::Statement& s, int p, const MetaRow& r)
{
    bindText(s, p, r.key);
    bindText(s, p + 1, r.value);
}

InsertInto insertInto(Is<RunRow>)
{
    return {"INSERT OR REPLACE INTO run (id, scenario, scenario_text, policy, knobs, overrides, vcm_version, guests, "
            "seed, core_mhz, end_ts, instructions, complete)",
            13};
}

void bindRow(db::Statement& s, int p, const RunRow& r)
{
    s.bind(p, std::int64_t{1});
    if (const auto& c = r.configuration) {
        bindText(s, p + 1, c->scenario);
        bindText(s, p + 2, c->scenarioText);
        bindText(s, p + 3, c->policy);
        bindText(s, p + 4, c->knobs);
        bindText(s, p + 5, c->overrides);
        bindText(s, p + 6, c->vcmVersion);
        bindText(s, p + 7, c->guests);
        s.bind(p + 8, c->seed);
        s.bind(p + 9, c->coreMHz);
    } else {
        for (int column = 1; column <= 9; ++column)
            s.bindNull(p + column);
    }
    s.bind(p + 10, r.endTs);
    s.bind(p + 11, r.instructions);
    bindFlag(s, p + 12, r.complete);
}

InsertInto insertInto(Is<MachineRow>)
{
    return {"INSERT OR REPLACE INTO machine (id, clusters, cores_per_cluster, line_bytes, l1_bytes, l1_ways, l2_bytes, "
            "l2_ways, system_cache_bytes, system_cache_ways)",
            10};
}

void bindRow(db::Statement& s, int p, const MachineRow& r)
{
    const tracer::RunConfiguration& c = r.configuration;
    s.bind(p, std::int64_t{1});
    s.bind(p + 1, c.clusters);
    s.bind(p + 2, c.coresPerCluster);
    s.bind(p + 3, c.lineBytes);
    s.bind(p + 4, c.l1Bytes);
    s.bind(p + 5, c.l1Ways);
    s.bind(p + 6, c.l2Bytes);
    s.bind(p + 7, c.l2Ways);
    s.bind(p + 8, c.systemCacheBytes);
    s.bind(p + 9, c.systemCacheWays);
}

InsertInto insertInto(Is<CoreRow>)
{
    return {"INSERT OR IGNORE INTO core (id, cluster)", 2};
}

void bindRow(db::Statement& s, int p, const CoreRow& r)
{
    s.bind(p, r.id);
    s.bind(p + 1, r.cluster);
}

InsertInto insertInto(Is<VmRow>)
{
    // OR REPLACE: a following ingest writes the VMs known so far at each commit point, and again at the end.
    return {"INSERT OR REPLACE INTO vm (id, name)", 2};
}

void bindRow(db::Statement& s, int p, const VmRow& r)
{
    s.bind(p, r.id);
    bindText(s, p + 1, r.name);
}

InsertInto insertInto(Is<VcpuRow>)
{
    // OR REPLACE with the id bound: a following ingest writes the vCPUs known so far at each commit point, and
    // again at the end (a handful of rows: the appended-rowid shortcut does not matter here).
    return {"INSERT OR REPLACE INTO vcpu (id, vm, idx, name, agent)", 5};
}

void bindRow(db::Statement& s, int p, const VcpuRow& r)
{
    s.bind(p, r.id);
    s.bind(p + 1, r.vm);
    s.bind(p + 2, r.idx);
    bindText(s, p + 3, r.name);
    s.bind(p + 4, r.agent);
}

InsertInto insertInto(Is<AgentRow>)
{
    // A re-emitted agent (a flight-recorder snapshot) replaces the row.
    return {"INSERT OR REPLACE INTO agent (id, role, name, core)", 4};
}

void bindRow(db::Statement& s, int p, const AgentRow& r)
{
    s.bind(p, r.id);
    bindLabel(s, p + 1, r.role);
    bindText(s, p + 2, r.name);
    s.bind(p + 3, r.core);
}

InsertInto insertInto(Is<SchedSliceRow>)
{
    return {"INSERT INTO sched_slice (id, ts, dur, core, vcpu_id, end_reason, instructions, open)", 8};
}

void bindRow(db::Statement& s, int p, const SchedSliceRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.dur);
    s.bind(p + 3, r.core);
    s.bind(p + 4, r.vcpuId);
    bindLabel(s, p + 5, r.endReason);
    s.bind(p + 6, r.instructions);
    bindFlag(s, p + 7, r.open);
}

InsertInto insertInto(Is<MigrationRow>)
{
    return {"INSERT INTO migration (id, ts, vcpu_id, from_core, to_core)", 5};
}

void bindRow(db::Statement& s, int p, const MigrationRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.vcpuId);
    s.bind(p + 3, r.fromCore);
    s.bind(p + 4, r.toCore);
}

InsertInto insertInto(Is<TimerTickRow>)
{
    return {"INSERT INTO timer_tick (id, ts, core)", 3};
}

void bindRow(db::Statement& s, int p, const TimerTickRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.core);
}

InsertInto insertInto(Is<SctlrStateRow>)
{
    return {"INSERT INTO sctlr_state (id, ts, dur, vcpu_id, value, m, c, i, state, open)", 10};
}

void bindRow(db::Statement& s, int p, const SctlrStateRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.dur);
    s.bind(p + 3, r.vcpuId);
    if (r.value) {
        s.bind(p + 4, *r.value);
        bindFlag(s, p + 5, (*r.value & kSctlrM) != 0);
        bindFlag(s, p + 6, (*r.value & kSctlrC) != 0);
        bindFlag(s, p + 7, (*r.value & kSctlrI) != 0);
    } else {
        for (int column = 4; column <= 7; ++column)
            s.bindNull(p + column);
    }
    bindLabel(s, p + 8, r.state);
    bindFlag(s, p + 9, r.open);
}

InsertInto insertInto(Is<TvmStateRow>)
{
    return {"INSERT INTO tvm_state (id, ts, dur, vcpu_id, open)", 5};
}

void bindRow(db::Statement& s, int p, const TvmStateRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.dur);
    s.bind(p + 3, r.vcpuId);
    bindFlag(s, p + 4, r.open);
}

InsertInto insertInto(Is<TrapRow>)
{
    return {"INSERT INTO trap (id, ts, vcpu_id, core, kind, detail, what, operand, old_value, new_value, caches_on)",
            11};
}

void bindRow(db::Statement& s, int p, const TrapRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.vcpuId);
    s.bind(p + 3, r.core);
    bindLabel(s, p + 4, r.kind);
    s.bind(p + 5, r.detail);
    bindText(s, p + 6, r.what);
    s.bind(p + 7, r.operand);
    s.bind(p + 8, r.oldValue);
    s.bind(p + 9, r.newValue);
    bindFlag(s, p + 10, r.cachesOn);
}

InsertInto insertInto(Is<FlushRow>)
{
    return {"INSERT INTO flush (id, vm, flush_id, vcpu_id, ts, dur, reason, segments, pages, longest_segment, "
            "finished)",
            11};
}

void bindRow(db::Statement& s, int p, const FlushRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.vm);
    s.bind(p + 2, r.flushId);
    s.bind(p + 3, r.vcpuId);
    s.bind(p + 4, r.ts);
    s.bind(p + 5, r.dur);
    bindLabel(s, p + 6, r.reason);
    s.bind(p + 7, r.segments);
    s.bind(p + 8, r.pages);
    s.bind(p + 9, r.longestSegment);
    bindFlag(s, p + 10, r.finished);
}

InsertInto insertInto(Is<FlushSegmentRow>)
{
    return {"INSERT INTO flush_segment (id, flush, vm, flush_id, seq, core, ts, dur, pages, regions_skipped, finished, "
            "resume_gfn, unpreempted_delay_ns)",
            13};
}

void bindRow(db::Statement& s, int p, const FlushSegmentRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.flush);
    s.bind(p + 2, r.vm);
    s.bind(p + 3, r.flushId);
    s.bind(p + 4, r.seq);
    s.bind(p + 5, r.core);
    s.bind(p + 6, r.ts);
    s.bind(p + 7, r.dur);
    s.bind(p + 8, r.pages);
    s.bind(p + 9, r.regionsSkipped);
    bindFlag(s, p + 10, r.finished);
    s.bind(p + 11, r.resumeGfn);
    s.bind(p + 12, r.unpreemptedDelayNs);
}

InsertInto insertInto(Is<MaintenanceRow>)
{
    return {"INSERT INTO maintenance (id, ts, agent, core, op, by_set_way, address, bytes, level, trapped, "
            "lines_cleaned, lines_invalidated, dirty_discarded)",
            13};
}

void bindRow(db::Statement& s, int p, const MaintenanceRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.agent);
    s.bind(p + 3, r.core);
    bindLabel(s, p + 4, r.op);
    bindFlag(s, p + 5, r.bySetWay);
    s.bind(p + 6, r.address);
    s.bind(p + 7, r.bytes);
    s.bind(p + 8, r.level);
    bindFlag(s, p + 9, r.trapped);
    s.bind(p + 10, r.linesCleaned);
    s.bind(p + 11, r.linesInvalidated);
    s.bind(p + 12, r.dirtyDiscarded);
}

InsertInto insertInto(Is<MaintenanceSummaryRow>)
{
    return {"INSERT INTO maintenance_summary (id, agent, op, by_set_way, trapped, count, first_ts, last_ts, first_id, "
            "last_id, lines_cleaned, lines_invalidated, dirty_discarded, cores)",
            14};
}

void bindRow(db::Statement& s, int p, const MaintenanceSummaryRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.agent);
    bindLabel(s, p + 2, r.op);
    bindFlag(s, p + 3, r.bySetWay);
    bindFlag(s, p + 4, r.trapped);
    s.bind(p + 5, r.count);
    s.bind(p + 6, r.firstTs);
    s.bind(p + 7, r.lastTs);
    s.bind(p + 8, r.firstId);
    s.bind(p + 9, r.lastId);
    s.bind(p + 10, r.linesCleaned);
    s.bind(p + 11, r.linesInvalidated);
    s.bind(p + 12, r.dirtyDiscarded);
    bindText(s, p + 13, r.cores);
}

InsertInto insertInto(Is<StaleReadRow>)
{
    return {"INSERT INTO stale_read (id, ts, agent, core, address, stale_words, version_returned, latest_version, "
            "latest_writer, source, source_instance, latest_held_in, held_instance, latest_write_ts)",
            14};
}

void bindRow(db::Statement& s, int p, const StaleReadRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.agent);
    s.bind(p + 3, r.core);
    s.bind(p + 4, r.address);
    s.bind(p + 5, r.staleWords);
    s.bind(p + 6, r.versionReturned);
    s.bind(p + 7, r.latestVersion);
    s.bind(p + 8, r.latestWriter);
    bindLabel(s, p + 9, r.source);
    s.bind(p + 10, r.sourceInstance);
    bindLabel(s, p + 11, r.latestHeldIn);
    s.bind(p + 12, r.heldInstance);
    s.bind(p + 13, r.latestWriteTs);
}

InsertInto insertInto(Is<ClobberRow>)
{
    return {"INSERT INTO clobber (id, ts, address, words, origin, origin_instance, line_version, overwritten_version, "
            "cause, overwritten_writer, overwritten_write_ts)",
            11};
}

void bindRow(db::Statement& s, int p, const ClobberRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.address);
    s.bind(p + 3, r.words);
    bindLabel(s, p + 4, r.origin);
    s.bind(p + 5, r.originInstance);
    s.bind(p + 6, r.lineVersion);
    s.bind(p + 7, r.overwrittenVersion);
    bindText(s, p + 8, r.cause);
    s.bind(p + 9, r.overwrittenWriter);
    s.bind(p + 10, r.overwrittenWriteTs);
}

InsertInto insertInto(Is<StaleWindowRow>)
{
    return {"INSERT INTO stale_window (id, page, ts, dur, observers, cause, resolved_by, open)", 8};
}

void bindRow(db::Statement& s, int p, const StaleWindowRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.page);
    s.bind(p + 2, r.ts);
    s.bind(p + 3, r.dur);
    bindText(s, p + 4, r.observers);
    bindText(s, p + 5, r.cause);
    bindText(s, p + 6, r.resolvedBy);
    bindFlag(s, p + 7, r.open);
}

InsertInto insertInto(Is<ToolstackActionRow>)
{
    return {"INSERT INTO toolstack_action (id, ts, vm, core, action, mode, ipa, bytes)", 8};
}

void bindRow(db::Statement& s, int p, const ToolstackActionRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.vm);
    s.bind(p + 3, r.core);
    bindLabel(s, p + 4, "write"); // the only toolstack event today: toolstack_write
    bindLabel(s, p + 5, r.mode);
    s.bind(p + 6, r.ipa);
    s.bind(p + 7, r.bytes);
}

InsertInto insertInto(Is<MarkerRow>)
{
    return {"INSERT INTO marker (id, ts, vcpu_id, name)", 4};
}

void bindRow(db::Statement& s, int p, const MarkerRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.vcpuId);
    bindText(s, p + 3, r.name);
}

InsertInto insertInto(Is<ConsoleRow>)
{
    return {"INSERT INTO console (id, ts, vcpu_id, text)", 4};
}

void bindRow(db::Statement& s, int p, const ConsoleRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.ts);
    s.bind(p + 2, r.vcpuId);
    bindText(s, p + 3, r.text);
}

InsertInto insertInto(Is<DataLossRow>)
{
    return {"INSERT INTO data_loss (id, kind, count, event_index, ts_before, ts_after, host_begin, host_end)", 8};
}

void bindRow(db::Statement& s, int p, const DataLossRow& r)
{
    bindNextRowid(s, p);
    bindText(s, p + 1, r.kind);
    s.bind(p + 2, r.count);
    s.bind(p + 3, r.eventIndex);
    s.bind(p + 4, r.tsBefore);
    s.bind(p + 5, r.tsAfter);
    s.bind(p + 6, r.hostBegin);
    s.bind(p + 7, r.hostEnd);
}

InsertInto insertInto(Is<RawEventRow>)
{
    return {"INSERT INTO raw_event (id, event_index, name, ts, known)", 5};
}

void bindRow(db::Statement& s, int p, const RawEventRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.eventIndex);
    bindText(s, p + 2, r.name);
    s.bind(p + 3, r.ts);
    bindFlag(s, p + 4, r.known);
}

InsertInto insertInto(Is<ArgRow>)
{
    return {"INSERT INTO args (id, raw_event, key, int_value, string_value)", 5};
}

void bindRow(db::Statement& s, int p, const ArgRow& r)
{
    bindNextRowid(s, p);
    s.bind(p + 1, r.rawEvent);
    bindText(s, p + 2, r.key);
    s.bind(p + 3, r.intValue);
    bindText(s, p + 4, r.stringValue);
}

std::string valuesSql(const InsertInto& into, std::size_t rows)
{
    std::string group = "(?";
    for (int column = 1; column < into.columns; ++column)
        group += ", ?";
    group += ")";
    std::string sql = std::string(into.head) + " VALUES ";
    for (std::size_t row = 0; row < rows; ++row)
        sql += (row == 0 ? "" : ", ") + group;
    return sql;
}

// The two INSERTs of one table: kRowsPerStatement rows at a time, then one at a time for the rest.
template <typename Row>
class TableInserter {
public:
    explicit TableInserter(db::Database& db)
        : m_db(db), m_one(db.prepare(valuesSql(insertInto(Is<Row>{}), 1))),
          m_many(db.prepare(valuesSql(insertInto(Is<Row>{}), kRowsPerStatement)))
    {
    }

    void insert(const std::vector<Row>& rows)
    {
        if constexpr (kIdIsNextRowid<Row>)
            checkIdsFollowOn(rows);
        const int columns = insertInto(Is<Row>{}).columns;
        std::size_t next = 0;
        for (; next + kRowsPerStatement <= rows.size(); next += kRowsPerStatement) {
            for (std::size_t k = 0; k < kRowsPerStatement; ++k)
                bindRow(m_many, 1 + static_cast<int>(k) * columns, rows[next + k]);
            m_many.runKeepingBindings();
        }
        for (; next < rows.size(); ++next) {
            bindRow(m_one, 1, rows[next]);
            m_one.runKeepingBindings();
        }
        if (!rows.empty()) {
            // The bindings point into the batch, which is about to be emptied and refilled.
            m_one.reset();
            m_many.reset();
            if constexpr (kIdIsNextRowid<Row>)
                if (m_db.lastInsertRowId() != rows.back().id)
                    throw db::DatabaseError(fmt::format(
                        "{}: {} row numbered {} by the builder got rowid {}: the table was not empty before the ingest",
                        m_db.file().string(), tableName(), rows.back().id, m_db.lastInsertRowId()));
        }
    }

private:
    // The rows must continue the table's numbering without a gap or a step back, or their appended rowids
    // would not be their ids.
    void checkIdsFollowOn(const std::vector<Row>& rows)
    {
        for (const Row& row : rows) {
            if (row.id != m_nextId)
                throw std::logic_error(fmt::format("TraceRowWriter: {} row numbered {} where {} was next", tableName(),
                                                   row.id, m_nextId));
            ++m_nextId;
        }
    }

    static std::string tableName()
    {
        // "INSERT INTO name (" -> name
        const std::string head = insertInto(Is<Row>{}).head;
        const std::size_t into = head.find("INTO ") + 5;
        return head.substr(into, head.find(' ', into) - into);
    }

    db::Database& m_db;
    db::Statement m_one;
    db::Statement m_many;
    std::int64_t m_nextId = 1;
};

template <typename Batch>
struct InsertersOf;

template <typename... Rows>
struct InsertersOf<RowBatchOf<Rows...>> {
    explicit InsertersOf(db::Database& db) : tables(TableInserter<Rows>(db)...) {}

    void write(const RowBatchOf<Rows...>& batch)
    {
        std::apply([&batch](auto&... table) { (table.insert(batch.template table<Rows>()), ...); }, tables);
    }

    std::tuple<TableInserter<Rows>...> tables;
};

} // namespace

struct TraceRowWriter::Statements : InsertersOf<RowBatch> {
    using InsertersOf<RowBatch>::InsertersOf;
};

TraceRowWriter::TraceRowWriter(db::Database& db)
    : m_db(db), m_statements(std::make_unique<Statements>(db)), m_full(kQueuedBatches), m_empty(kQueuedBatches)
{
    m_thread = std::thread(&TraceRowWriter::run, this);
}

TraceRowWriter::~TraceRowWriter()
{
    if (m_thread.joinable()) {
        m_full.cancel();
        m_thread.join();
    }
}

void TraceRowWriter::run()
{
    // Named, so that top -H and perf tell the two halves of an ingest apart (at most 15 characters).
    ::pthread_setname_np(::pthread_self(), "vcm-row-writer");
    try {
        while (std::optional<Submitted> item = m_full.pop()) {
            m_statements->write(item->batch);
            item->batch.clear();
            m_empty.tryPush(std::move(item->batch));
            if (item->commitAfter)
                m_db.exec("COMMIT; BEGIN");
        }
    } catch (...) {
        // Published by cancel(): whoever sees the queue cancelled (submit) also sees the failure.
        m_failure = std::current_exception();
        m_full.cancel();
    }
}

RowBatch TraceRowWriter::emptyBatch()
{
    if (std::optional<RowBatch> recycled = m_empty.tryPop())
        return std::move(*recycled);
    return RowBatch{};
}

void TraceRowWriter::submit(RowBatch&& batch, bool commitAfter)
{
    if (m_finished)
        throw std::logic_error("TraceRowWriter::submit after finish()");
    if (!m_full.push(Submitted{.batch = std::move(batch), .commitAfter = commitAfter}))
        rethrowFailure();
}

void TraceRowWriter::finish()
{
    if (!m_finished) {
        m_finished = true;
        m_full.close();
        m_thread.join();
    }
    if (m_failure)
        std::rethrow_exception(m_failure);
}

void TraceRowWriter::rethrowFailure()
{
    if (m_failure)
        std::rethrow_exception(m_failure);
    throw std::logic_error("TraceRowWriter: the writer thread stopped without an error");
}

} // namespace vcm::analyzer

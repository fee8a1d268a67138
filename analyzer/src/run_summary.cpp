#include "run_summary.h"

#include <algorithm>
#include <map>

namespace vcm::analyzer {
namespace {

using db::Statement;

std::string textOr(const Statement& row, int column, const std::string& fallback)
{
    return row.columnType(column) == db::ColumnType::Null ? fallback : row.columnText(column);
}

// At most `bytes` bytes of text, not cutting a UTF-8 sequence.
std::string utf8Prefix(const std::string& text, std::size_t bytes)
{
    if (text.size() <= bytes)
        return text;
    while (bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80)
        --bytes;
    return text.substr(0, bytes);
}

void loadRun(db::Database& db, RunHeader& h)
{
    Statement run = db.prepare("SELECT scenario, policy, overrides, vcm_version, seed, core_mhz, end_ts, instructions, "
                               "complete FROM run WHERE id = 1");
    if (run.step()) {
        h.scenario = textOr(run, 0, "(unknown)");
        h.policy = textOr(run, 1, "(unknown)");
        h.overrides = textOr(run, 2, "");
        h.vcmVersion = textOr(run, 3, "(unknown)");
        h.seed = run.columnOptionalInt(4);
        h.coreMHz = run.columnOptionalInt(5);
        h.endTs = run.columnOptionalInt(6).value_or(0);
        h.instructions = run.columnOptionalInt(7);
        h.complete = run.columnInt(8) != 0;
    } else {
        h.scenario = h.policy = h.vcmVersion = "(unknown)";
    }
    Statement machine = db.prepare("SELECT clusters, cores_per_cluster FROM machine WHERE id = 1");
    if (machine.step()) {
        h.clusters = machine.columnInt(0);
        h.coresPerCluster = machine.columnInt(1);
    }
    Statement events = db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events'");
    if (events.step())
        h.events = events.columnOptionalInt(0);
}

void loadHealth(db::Database& db, RunHeader& h)
{
    h.discardedEvents = db.scalar("SELECT coalesce(sum(count), 0) FROM data_loss WHERE kind = 'events'");
    h.lostPackets = db.scalar("SELECT coalesce(sum(count), 0) FROM data_loss WHERE kind = 'packets'");
    h.lossRanges = db.scalar("SELECT count(*) FROM data_loss");
    Statement first = db.prepare("SELECT min(ts_before) FROM data_loss");
    if (first.step())
        h.firstLossTs = first.columnOptionalInt(0);
    h.unknownEvents = db.scalar("SELECT count(*) FROM raw_event WHERE known = 0");
    h.staleReads = db.scalar("SELECT count(*) FROM stale_read");
    h.staleWords = db.scalar("SELECT coalesce(sum(stale_words), 0) FROM stale_read");
    h.clobbers = db.scalar("SELECT count(*) FROM clobber");
    h.staleWindows = db.scalar("SELECT count(*) FROM stale_window");
    h.openStaleWindows = db.scalar("SELECT count(*) FROM stale_window WHERE open = 1");
}

std::vector<TrapGroup> loadTrapGroups(db::Database& db, bool byWhat)
{
    const std::string group = byWhat ? "kind, what" : "kind";
    Statement q = db.prepare("SELECT kind, " + std::string(byWhat ? "what" : "''") +
                             ", count(*), sum(caches_on), min(ts), max(ts) FROM trap GROUP BY " + group +
                             " ORDER BY count(*) DESC, " + group);
    std::vector<TrapGroup> groups;
    while (q.step())
        groups.push_back(
            {q.columnText(0), q.columnText(1), q.columnInt(2), q.columnInt(3), q.columnInt(4), q.columnInt(5)});
    return groups;
}

void loadSegmentStatistics(db::Database& db, FlushSummary& f)
{
    Statement totals = db.prepare("SELECT count(*), sum(flush IS NULL), coalesce(sum(pages), 0), "
                                  "coalesce(sum(dur), 0), coalesce(max(unpreempted_delay_ns), 0) FROM flush_segment");
    totals.step();
    f.segments = totals.columnInt(0);
    f.orphanSegments = totals.columnOptionalInt(1).value_or(0);
    f.pages = totals.columnInt(2);
    f.segmentTime = totals.columnInt(3);
    f.longestUnpreemptedDelay = totals.columnInt(4);
    std::vector<std::int64_t> lengths;
    Statement q = db.prepare("SELECT dur FROM flush_segment ORDER BY dur");
    while (q.step())
        lengths.push_back(q.columnInt(0));
    if (lengths.empty())
        return;
    f.p50 = percentile(lengths, 50);
    f.p95 = percentile(lengths, 95);
    f.max = lengths.back();
    f.histogram = linearHistogram(lengths, RunSummary::kHistogramBuckets);
}

std::vector<FlushListEntry> loadFlushList(db::Database& db)
{
    Statement q = db.prepare(
        "SELECT coalesce(vm.name, 'VM ' || f.vm), f.flush_id, coalesce(v.name, 'vcpu ' || f.vcpu_id), f.reason, "
        "f.ts, f.dur, f.segments, f.pages, f.longest_segment, "
        "(SELECT coalesce(max(s.unpreempted_delay_ns), 0) FROM flush_segment s WHERE s.flush = f.id), f.finished "
        "FROM flush f LEFT JOIN vm ON vm.id = f.vm LEFT JOIN vcpu v ON v.id = f.vcpu_id "
        "ORDER BY f.ts, f.id LIMIT ?");
    q.bind(1, RunSummary::kMaxListed);
    std::vector<FlushListEntry> rows;
    while (q.step())
        rows.push_back({q.columnText(0), q.columnInt(1), q.columnText(2), q.columnText(3), q.columnInt(4),
                        q.columnInt(5), q.columnInt(6), q.columnInt(7), q.columnInt(8), q.columnInt(9),
                        q.columnInt(10) != 0});
    return rows;
}

FlushSummary loadFlushes(db::Database& db)
{
    FlushSummary f;
    f.flushes = db.scalar("SELECT count(*) FROM flush");
    f.finished = db.scalar("SELECT count(*) FROM flush WHERE finished = 1");
    f.longestFlush = db.scalar("SELECT coalesce(max(dur), 0) FROM flush");
    loadSegmentStatistics(db, f);
    f.list = loadFlushList(db);
    return f;
}

// The longest gap, per vCPU, between a slice that left it runnable and its next slice.
void loadWorstWaits(db::Database& db, std::vector<VcpuSummary>& vcpus)
{
    std::map<std::int64_t, VcpuSummary*> byId;
    for (VcpuSummary& v : vcpus)
        byId[v.id] = &v;
    Statement q = db.prepare("SELECT vcpu_id, ts, dur, end_reason IN ('slice_end', 'yield', 'preempted') "
                             "FROM sched_slice ORDER BY vcpu_id, ts, id");
    std::optional<std::int64_t> previousVcpu;
    std::optional<std::int64_t> readySince;
    while (q.step()) {
        const std::int64_t vcpu = q.columnInt(0);
        const std::int64_t ts = q.columnInt(1);
        const auto found = byId.find(vcpu);
        if (previousVcpu == vcpu && readySince && found != byId.end()) {
            const std::int64_t wait = std::max<std::int64_t>(ts - *readySince, 0);
            if (!found->second->worstWait || wait > *found->second->worstWait) {
                found->second->worstWait = wait;
                found->second->worstWaitAt = readySince;
            }
        }
        previousVcpu = vcpu;
        readySince = q.columnOptionalInt(3).value_or(0) != 0 ? std::optional(ts + q.columnInt(2)) : std::nullopt;
    }
}

std::vector<VcpuSummary> loadVcpus(db::Database& db)
{
    Statement q = db.prepare(
        "SELECT v.id, coalesce(v.name, 'vcpu ' || v.id), coalesce(vm.name, 'VM ' || v.vm), "
        "(SELECT coalesce(sum(s.dur), 0) FROM sched_slice s WHERE s.vcpu_id = v.id), "
        "(SELECT coalesce(sum(g.dur), 0) FROM flush_segment g JOIN flush f ON f.id = g.flush WHERE f.vcpu_id = v.id), "
        "(SELECT count(*) FROM sched_slice s WHERE s.vcpu_id = v.id), "
        "(SELECT coalesce(sum(s.instructions), 0) FROM sched_slice s WHERE s.vcpu_id = v.id), "
        "(SELECT count(*) FROM migration m WHERE m.vcpu_id = v.id), "
        "(SELECT count(*) FROM trap t WHERE t.vcpu_id = v.id) "
        "FROM vcpu v LEFT JOIN vm ON vm.id = v.vm ORDER BY v.id");
    std::vector<VcpuSummary> vcpus;
    while (q.step()) {
        VcpuSummary v;
        v.id = q.columnInt(0);
        v.name = q.columnText(1);
        v.vm = q.columnText(2);
        v.guestTime = q.columnInt(3);
        v.flushTime = q.columnInt(4);
        v.slices = q.columnInt(5);
        v.instructions = q.columnInt(6);
        v.migrations = q.columnInt(7);
        v.traps = q.columnInt(8);
        vcpus.push_back(std::move(v));
    }
    loadWorstWaits(db, vcpus);
    return vcpus;
}

std::vector<CoreSummary> loadCores(db::Database& db)
{
    Statement q = db.prepare(
        "SELECT c.id, (SELECT cluster FROM core WHERE core.id = c.id), "
        "(SELECT count(*) FROM sched_slice s WHERE s.core = c.id), "
        "(SELECT coalesce(sum(s.dur), 0) FROM sched_slice s WHERE s.core = c.id), "
        "(SELECT coalesce(sum(g.dur), 0) FROM flush_segment g WHERE g.core = c.id) "
        "FROM (SELECT id FROM core UNION SELECT core FROM sched_slice UNION SELECT core FROM flush_segment) c "
        "ORDER BY c.id");
    std::vector<CoreSummary> cores;
    while (q.step())
        cores.push_back({q.columnInt(0), q.columnOptionalInt(1), q.columnInt(2), q.columnInt(3), q.columnInt(4)});
    return cores;
}

constexpr const char* kSeverityRank =
    "CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 WHEN 'info' THEN 2 ELSE 3 END";

std::vector<FindingCount> loadFindingCounts(db::Database& db)
{
    Statement q = db.prepare(std::string("SELECT kind, severity, count(*), sum(uncertain) FROM finding "
                                         "GROUP BY kind, severity ORDER BY ") +
                             kSeverityRank + ", kind");
    std::vector<FindingCount> counts;
    while (q.step())
        counts.push_back({q.columnText(0), q.columnText(1), q.columnInt(2), q.columnInt(3)});
    return counts;
}

std::vector<FindingRow> loadFindings(db::Database& db)
{
    Statement q = db.prepare(std::string("SELECT severity, kind, ts, explanation, uncertain FROM finding ORDER BY ") +
                             kSeverityRank + ", ts, id LIMIT ?");
    q.bind(1, RunSummary::kMaxListed);
    std::vector<FindingRow> rows;
    while (q.step())
        rows.push_back({q.columnText(0), q.columnText(1), q.columnInt(2), q.columnText(3), q.columnInt(4) != 0});
    return rows;
}

std::vector<ConsoleOutput> loadConsoles(db::Database& db)
{
    Statement q = db.prepare("SELECT c.vcpu_id, coalesce(v.name, 'vcpu ' || c.vcpu_id), c.text FROM console c "
                             "LEFT JOIN vcpu v ON v.id = c.vcpu_id ORDER BY c.vcpu_id, c.ts, c.id");
    std::vector<ConsoleOutput> consoles;
    std::optional<std::int64_t> current;
    while (q.step()) {
        if (current != q.columnInt(0)) {
            current = q.columnInt(0);
            consoles.push_back({q.columnText(1), "", false});
        }
        ConsoleOutput& out = consoles.back();
        const std::string text = q.columnText(2);
        const std::size_t room = RunSummary::kMaxConsoleBytes - std::min(out.text.size(), RunSummary::kMaxConsoleBytes);
        out.truncated = out.truncated || text.size() > room;
        out.text += utf8Prefix(text, room);
    }
    return consoles;
}

} // namespace

RunSummary loadRunSummary(db::Database& db)
{
    RunSummary s;
    loadRun(db, s.header);
    loadHealth(db, s.header);
    s.trapsByKind = loadTrapGroups(db, false);
    s.trapsByWhat = loadTrapGroups(db, true);
    s.flush = loadFlushes(db);
    s.vcpus = loadVcpus(db);
    s.cores = loadCores(db);
    s.findingCounts = loadFindingCounts(db);
    s.findings = loadFindings(db);
    s.findingTotal = db.scalar("SELECT count(*) FROM finding");
    s.consoles = loadConsoles(db);
    return s;
}

} // namespace vcm::analyzer

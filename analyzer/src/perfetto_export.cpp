#include "vcm/analyzer/perfetto_export.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vcm::analyzer {
namespace {

using Json = nlohmann::ordered_json;
using db::Statement;

// Nanoseconds as a JSON number of microseconds, exactly: "745.338". Written as text, not through a
// double, so every importer (Perfetto parses the digits) gets the nanosecond back.
std::string micros(std::int64_t ns)
{
    const std::int64_t t = std::max<std::int64_t>(ns, 0);
    return fmt::format("{}.{:03}", t / 1000, t % 1000);
}

std::string hex(std::int64_t value)
{
    return fmt::format("{:#x}", static_cast<std::uint64_t>(value));
}

Json optionalInt(const Statement& row, int column)
{
    const auto value = row.columnOptionalInt(column);
    return value ? Json(*value) : Json(nullptr);
}

// Streams {"traceEvents":[...],"displayTimeUnit":"ns"}, one event per line. displayTimeUnit comes after
// the events: older trace processors that read it as the unit of ts ignore it there.
class TraceWriter {
public:
    explicit TraceWriter(std::ostream& out) : m_out(out) { m_out << "{\"traceEvents\":[\n"; }

    void metadata(const char* name, int pid, std::optional<int> tid, const Json& args)
    {
        Json head = {{"name", name}, {"ph", "M"}, {"pid", pid}};
        if (tid)
            head["tid"] = *tid;
        write(head, std::nullopt, std::nullopt, args);
    }
    void complete(const std::string& name, const char* category, int pid, int tid, std::int64_t ts, std::int64_t dur,
                  const Json& args)
    {
        write({{"name", name}, {"cat", category}, {"ph", "X"}, {"pid", pid}, {"tid", tid}}, ts, dur, args);
    }
    // scope "t": on the thread's track; "g": across the whole trace.
    void instant(const std::string& name, const char* category, int pid, int tid, std::int64_t ts, const Json& args,
                 const char* scope = "t")
    {
        write({{"name", name}, {"cat", category}, {"ph", "i"}, {"s", scope}, {"pid", pid}, {"tid", tid}}, ts,
              std::nullopt, args);
    }
    // Flow events (trace-event format, "Flow Events"): "s" binds to the slice enclosing it on its thread, "f"
    // with "bp":"e" to the slice enclosing it on its thread; the two share `id`.
    void flowStart(std::int64_t id, const char* category, int pid, int tid, std::int64_t ts)
    {
        write({{"name", "explains"}, {"cat", category}, {"ph", "s"}, {"id", id}, {"pid", pid}, {"tid", tid}}, ts,
              std::nullopt, nullptr);
    }
    void flowEnd(std::int64_t id, const char* category, int pid, int tid, std::int64_t ts)
    {
        write({{"name", "explains"}, {"cat", category}, {"ph", "f"}, {"bp", "e"}, {"id", id}, {"pid", pid}, {"tid", tid}},
              ts, std::nullopt, nullptr);
    }
    void finish() { m_out << "\n],\"displayTimeUnit\":\"ns\"}\n"; }

private:
    static std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

    void write(const Json& head, std::optional<std::int64_t> ts, std::optional<std::int64_t> dur, const Json& args)
    {
        std::string text = dump(head);
        text.pop_back(); // the closing brace: ts, dur and args follow
        if (ts)
            text += ",\"ts\":" + micros(*ts);
        if (dur)
            text += ",\"dur\":" + micros(*dur);
        if (!args.is_null())
            text += ",\"args\":" + dump(args);
        m_out << (m_first ? "" : ",\n") << text << '}';
        m_first = false;
    }

    std::ostream& m_out;
    bool m_first = true;
};

struct CoreTrack {
    int pid = 0;
    int hypervisorTid = 0;
};

struct VcpuTrack {
    int pid = 0;
    int tid = 0;
    std::string name;
};

// Processes and threads, numbered in a fixed order: cores, then VMs and their vCPUs, then other agents.
struct Tracks {
    std::map<std::int64_t, CoreTrack> cores;
    std::map<std::int64_t, VcpuTrack> vcpus;
    std::map<std::int64_t, std::int64_t> vcpuOfAgent;
    std::map<std::int64_t, VcpuTrack> otherAgents;
    int tracePid = 0;
    int findingsPid = 0;
    int next = 1;
};

// Slices on one thread must nest, and findings (or stale windows) of one kind overlap freely: each gets the
// first lane of its group that is free at its start, one thread per lane ("errors", "errors 2", ...).
class Lanes {
public:
    Lanes(TraceWriter& w, Tracks& t, int pid, std::string name, int sortIndex)
        : m_writer(w), m_tracks(t), m_pid(pid), m_name(std::move(name)), m_sortIndex(sortIndex)
    {
    }
    int place(std::int64_t ts, std::int64_t dur)
    {
        std::size_t lane = 0;
        while (lane < m_ends.size() && m_ends[lane] > ts)
            ++lane;
        if (lane == m_ends.size()) {
            m_ends.push_back(0);
            m_tids.push_back(m_tracks.next++);
            const std::string name = lane == 0 ? m_name : fmt::format("{} {}", m_name, lane + 1);
            m_writer.metadata("thread_name", m_pid, m_tids.back(), {{"name", name}});
            m_writer.metadata("thread_sort_index", m_pid, m_tids.back(),
                              {{"sort_index", m_sortIndex * 1000 + static_cast<int>(lane)}});
        }
        // A zero-length slice still occupies its instant.
        m_ends[lane] = ts + std::max<std::int64_t>(dur, 1);
        return m_tids[lane];
    }

private:
    TraceWriter& m_writer;
    Tracks& m_tracks;
    int m_pid;
    std::string m_name;
    int m_sortIndex;
    std::vector<std::int64_t> m_ends;
    std::vector<int> m_tids;
};

void declareCores(db::Database& db, TraceWriter& w, Tracks& t)
{
    Statement q = db.prepare("SELECT id FROM core UNION SELECT core FROM sched_slice UNION SELECT core FROM "
                             "flush_segment ORDER BY 1");
    while (q.step()) {
        const std::int64_t core = q.columnInt(0);
        const CoreTrack track{t.next, t.next + 1};
        t.next += 2;
        t.cores[core] = track;
        const std::string name = fmt::format("core {}", core);
        w.metadata("process_name", track.pid, std::nullopt, {{"name", name}});
        w.metadata("process_sort_index", track.pid, std::nullopt, {{"sort_index", core}});
        w.metadata("thread_name", track.pid, track.pid, {{"name", name}});
        w.metadata("thread_sort_index", track.pid, track.pid, {{"sort_index", 0}});
        w.metadata("thread_name", track.pid, track.hypervisorTid, {{"name", name + " hypervisor"}});
        w.metadata("thread_sort_index", track.pid, track.hypervisorTid, {{"sort_index", 1}});
    }
}

void declareVcpus(db::Database& db, TraceWriter& w, Tracks& t)
{
    Statement q = db.prepare("SELECT v.id, v.vm, coalesce(vm.name, v.vm), coalesce(v.name, 'vcpu ' || v.id), v.agent "
                             "FROM vcpu v LEFT JOIN vm ON vm.id = v.vm ORDER BY v.vm, v.idx, v.id");
    std::optional<std::int64_t> vm;
    int pid = 0;
    while (q.step()) {
        if (vm != q.columnInt(1)) {
            vm = q.columnInt(1);
            pid = t.next++;
            w.metadata("process_name", pid, std::nullopt, {{"name", "VM " + q.columnText(2)}});
            w.metadata("process_sort_index", pid, std::nullopt, {{"sort_index", 100000 + *vm}});
        }
        const VcpuTrack track{pid, t.next++, q.columnText(3)};
        t.vcpus[q.columnInt(0)] = track;
        if (const auto agent = q.columnOptionalInt(4))
            t.vcpuOfAgent[*agent] = q.columnInt(0);
        w.metadata("thread_name", pid, track.tid, {{"name", track.name}});
        w.metadata("thread_sort_index", pid, track.tid, {{"sort_index", q.columnInt(0)}});
    }
}

// Agents that are not vCPUs (the toolstack, devices) get threads when they read stale data or wrote data a
// stale read missed or a clobber destroyed (a flow starts there).
void declareOtherAgents(db::Database& db, TraceWriter& w, Tracks& t)
{
    Statement q = db.prepare(
        "SELECT DISTINCT x.agent, coalesce(a.name, 'agent ' || x.agent) FROM (SELECT agent FROM stale_read UNION "
        "SELECT latest_writer FROM stale_read UNION SELECT overwritten_writer FROM clobber "
        "WHERE overwritten_writer IS NOT NULL) x LEFT JOIN agent a ON a.id = x.agent ORDER BY x.agent");
    int pid = 0;
    while (q.step()) {
        const std::int64_t agent = q.columnInt(0);
        if (t.vcpuOfAgent.count(agent) != 0)
            continue;
        if (pid == 0) {
            pid = t.next++;
            w.metadata("process_name", pid, std::nullopt, {{"name", "other agents"}});
            w.metadata("process_sort_index", pid, std::nullopt, {{"sort_index", 200000}});
        }
        const VcpuTrack track{pid, t.next++, q.columnText(1)};
        t.otherAgents[agent] = track;
        w.metadata("thread_name", pid, track.tid, {{"name", track.name}});
    }
}

// A process for trace-wide events, only when there are some (data loss).
void declareTrace(db::Database& db, TraceWriter& w, Tracks& t)
{
    if (db.scalar("SELECT count(*) FROM data_loss") == 0)
        return;
    t.tracePid = t.next++;
    w.metadata("process_name", t.tracePid, std::nullopt, {{"name", "trace"}});
    w.metadata("process_sort_index", t.tracePid, std::nullopt, {{"sort_index", 300000}});
}

// A vCPU's track; a vCPU missing from the vcpu table gets none (its events are skipped).
const VcpuTrack* vcpuTrack(const Tracks& t, std::int64_t vcpu)
{
    const auto found = t.vcpus.find(vcpu);
    return found != t.vcpus.end() ? &found->second : nullptr;
}

// The thread of an agent: its vCPU's, or its own among the other agents; null if it has none.
const VcpuTrack* agentTrack(const Tracks& t, std::int64_t agent)
{
    if (const auto vcpu = t.vcpuOfAgent.find(agent); vcpu != t.vcpuOfAgent.end())
        return vcpuTrack(t, vcpu->second);
    const auto other = t.otherAgents.find(agent);
    return other != t.otherAgents.end() ? &other->second : nullptr;
}

// The detectors' findings, on a process of their own: one group of lanes per severity, errors first, so that
// a warning never hides an error; each finding is a slice over what it is about, with its explanation.
// A stale-read finding's slice ends a flow from the write its first read missed; a clobber's, from the write
// it destroyed. Each flow starts at a zero-length "write" slice on the writer's thread.
void writeFindings(db::Database& db, TraceWriter& w, Tracks& t)
{
    if (db.scalar("SELECT count(*) FROM finding") == 0)
        return;
    t.findingsPid = t.next++;
    w.metadata("process_name", t.findingsPid, std::nullopt, {{"name", "findings"}});
    w.metadata("process_sort_index", t.findingsPid, std::nullopt, {{"sort_index", -1}});
    std::map<std::string, Lanes> bySeverity;
    int sortIndex = 0;
    for (const char* severity : {"error", "warning", "info"})
        bySeverity.try_emplace(severity, w, t, t.findingsPid, std::string(severity) + "s", sortIndex++);

    // The write each stale-read finding's first read missed, or each clobber finding's first clobber destroyed:
    // the finding's first subject row, joined to its table.
    Statement q = db.prepare(
        "WITH subject AS (SELECT finding, table_name, min(row_id) AS row_id FROM finding_evidence "
        "WHERE role = 'subject' AND table_name IN ('stale_read', 'clobber') GROUP BY finding, table_name) "
        "SELECT f.id, f.kind, f.severity, f.ts, f.dur, f.vm, f.vcpu_id, f.core, f.address, f.measure, f.explanation, "
        "f.uncertain, coalesce(s.latest_write_ts, c.overwritten_write_ts), coalesce(s.latest_writer, c.overwritten_writer) "
        "FROM finding f LEFT JOIN subject e ON e.finding = f.id AND e.table_name = f.kind "
        "LEFT JOIN stale_read s ON e.table_name = 'stale_read' AND s.id = e.row_id "
        "LEFT JOIN clobber c ON e.table_name = 'clobber' AND c.id = e.row_id ORDER BY f.ts, f.id");
    while (q.step()) {
        const std::string severity = q.columnText(2);
        auto lanes = bySeverity.find(severity);
        if (lanes == bySeverity.end())
            lanes = bySeverity.try_emplace(severity, w, t, t.findingsPid, severity, sortIndex++).first;
        const std::int64_t ts = q.columnInt(3);
        const std::int64_t dur = q.columnInt(4);
        const int tid = lanes->second.place(ts, dur);
        const auto address = q.columnOptionalInt(8);
        Json args = {{"finding", q.columnInt(0)},
                     {"severity", severity},
                     {"explanation", q.columnText(10)},
                     {"measure", optionalInt(q, 9)},
                     {"address", address ? Json(hex(*address)) : Json(nullptr)},
                     {"vm", optionalInt(q, 5)},
                     {"vcpu", optionalInt(q, 6)},
                     {"core", optionalInt(q, 7)},
                     {"uncertain", q.columnInt(11) != 0}};
        w.complete(q.columnText(1), "finding", t.findingsPid, tid, ts, dur, args);
        const auto writeTs = q.columnOptionalInt(12);
        const auto writer = q.columnOptionalInt(13);
        const VcpuTrack* from = writer ? agentTrack(t, *writer) : nullptr;
        if (writeTs && from != nullptr) {
            w.complete("write", "finding", from->pid, from->tid, *writeTs, 0,
                       {{"explains", fmt::format("{} finding {}", q.columnText(1), q.columnInt(0))}});
            w.flowStart(q.columnInt(0), "finding", from->pid, from->tid, *writeTs);
            w.flowEnd(q.columnInt(0), "finding", t.findingsPid, tid, ts);
        }
    }
}

// Stale-data windows (a page whose latest data some cache-bypassing observer could not see), one slice each
// on lanes of their own under the findings.
void writeStaleWindows(db::Database& db, TraceWriter& w, Tracks& t)
{
    if (db.scalar("SELECT count(*) FROM stale_window") == 0)
        return;
    if (t.findingsPid == 0) {
        t.findingsPid = t.next++;
        w.metadata("process_name", t.findingsPid, std::nullopt, {{"name", "findings"}});
        w.metadata("process_sort_index", t.findingsPid, std::nullopt, {{"sort_index", -1}});
    }
    Lanes lanes(w, t, t.findingsPid, "stale windows", 10);
    Statement q = db.prepare("SELECT ts, dur, page, observers, cause, resolved_by, open FROM stale_window "
                             "ORDER BY ts, id");
    while (q.step()) {
        const std::int64_t ts = q.columnInt(0);
        const std::int64_t dur = q.columnInt(1);
        Json args = {{"page", hex(q.columnInt(2))},
                     {"observers", q.columnText(3)},
                     {"cause", q.columnText(4)},
                     {"resolved_by", q.columnType(5) == db::ColumnType::Null ? Json(nullptr) : Json(q.columnText(5))},
                     {"open", q.columnInt(6) != 0}};
        w.complete(fmt::format("stale window {}", hex(q.columnInt(2))), "stale_window", t.findingsPid,
                   lanes.place(ts, dur), ts, dur, args);
    }
}

void writeSlices(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT ts, dur, core, vcpu_id, end_reason, instructions, open FROM sched_slice "
                             "ORDER BY ts, id");
    while (q.step()) {
        const CoreTrack& core = t.cores.at(q.columnInt(2));
        const VcpuTrack* vcpu = vcpuTrack(t, q.columnInt(3));
        const std::string name = vcpu ? vcpu->name : fmt::format("vcpu {}", q.columnInt(3));
        Json args = {{"end_reason", q.columnType(4) == db::ColumnType::Null ? Json(nullptr) : Json(q.columnText(4))},
                     {"instructions", optionalInt(q, 5)},
                     {"open", q.columnInt(6) != 0}};
        w.complete(name, "vcpu", core.pid, core.pid, q.columnInt(0), q.columnInt(1), args);
    }
}

void writeFlushSegments(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT s.ts, s.dur, s.core, s.flush_id, coalesce(vm.name, 'VM ' || s.vm), s.seq, "
                             "s.pages, s.regions_skipped, s.finished, s.resume_gfn, s.unpreempted_delay_ns "
                             "FROM flush_segment s LEFT JOIN vm ON vm.id = s.vm ORDER BY s.ts, s.id");
    while (q.step()) {
        const CoreTrack& core = t.cores.at(q.columnInt(2));
        Json args = {{"seq", q.columnInt(5)},
                     {"pages", q.columnInt(6)},
                     {"regions_skipped", q.columnInt(7)},
                     {"finished", q.columnInt(8) != 0},
                     {"resume_gfn", hex(q.columnInt(9))},
                     {"unpreempted_delay_ns", q.columnInt(10)}};
        w.complete(fmt::format("flush {} of {}", q.columnInt(3), q.columnText(4)), "flush", core.pid,
                   core.hypervisorTid, q.columnInt(0), q.columnInt(1), args);
    }
}

void writeSctlrStates(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT ts, dur, vcpu_id, value, m, c, i, state, open FROM sctlr_state ORDER BY ts, id");
    while (q.step())
        if (const VcpuTrack* vcpu = vcpuTrack(t, q.columnInt(2))) {
            const auto value = q.columnOptionalInt(3);
            Json args = {{"value", value ? Json(hex(*value)) : Json(nullptr)},
                         {"m", optionalInt(q, 4)},
                         {"c", optionalInt(q, 5)},
                         {"i", optionalInt(q, 6)},
                         {"open", q.columnInt(8) != 0}};
            w.complete("SCTLR " + q.columnText(7), "sctlr", vcpu->pid, vcpu->tid, q.columnInt(0), q.columnInt(1), args);
        }
}

void writeTraps(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT ts, vcpu_id, what, kind, core, operand, old_value, new_value, caches_on FROM trap "
                             "ORDER BY ts, id");
    while (q.step())
        if (const VcpuTrack* vcpu = vcpuTrack(t, q.columnInt(1))) {
            Json args = {{"kind", q.columnText(3)},          {"core", q.columnInt(4)},
                         {"operand", hex(q.columnInt(5))},   {"old_value", hex(q.columnInt(6))},
                         {"new_value", hex(q.columnInt(7))}, {"caches_on", q.columnInt(8) != 0}};
            w.instant(q.columnText(2), "trap", vcpu->pid, vcpu->tid, q.columnInt(0), args);
        }
}

void writeStaleReads(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT s.ts, s.agent, coalesce(a.name, 'agent ' || s.agent), s.address, s.core, "
                             "s.stale_words, s.version_returned, s.latest_version, s.source, s.latest_held_in "
                             "FROM stale_read s LEFT JOIN agent a ON a.id = s.agent ORDER BY s.ts, s.id");
    while (q.step()) {
        const std::int64_t agent = q.columnInt(1);
        const auto vcpu = t.vcpuOfAgent.find(agent);
        const VcpuTrack* track = vcpu != t.vcpuOfAgent.end() ? vcpuTrack(t, vcpu->second) : nullptr;
        if (track == nullptr)
            track = &t.otherAgents.at(agent);
        Json args = {{"address", hex(q.columnInt(3))},     {"agent", q.columnText(2)},
                     {"core", optionalInt(q, 4)},          {"stale_words", q.columnInt(5)},
                     {"version_returned", q.columnInt(6)}, {"latest_version", q.columnInt(7)},
                     {"source", q.columnText(8)},          {"latest_held_in", q.columnText(9)}};
        w.instant("stale read", "coherence", track->pid, track->tid, q.columnInt(0), args);
    }
}

void writeMarkers(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT ts, vcpu_id, name FROM marker ORDER BY ts, id");
    while (q.step())
        if (const VcpuTrack* vcpu = vcpuTrack(t, q.columnInt(1)))
            w.instant(q.columnText(2), "marker", vcpu->pid, vcpu->tid, q.columnInt(0), nullptr);
}

void writeFlushRequests(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT ts, vcpu_id, flush_id, reason FROM flush ORDER BY ts, id");
    while (q.step())
        if (const VcpuTrack* vcpu = vcpuTrack(t, q.columnInt(1)))
            w.instant(fmt::format("flush request {}", q.columnInt(2)), "flush", vcpu->pid, vcpu->tid, q.columnInt(0),
                      {{"reason", q.columnText(3)}});
}

void writeMigrations(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT ts, vcpu_id, from_core, to_core FROM migration ORDER BY ts, id");
    while (q.step())
        if (const VcpuTrack* vcpu = vcpuTrack(t, q.columnInt(1)))
            w.instant(fmt::format("migrate core {} -> core {}", q.columnInt(2), q.columnInt(3)), "sched", vcpu->pid,
                      vcpu->tid, q.columnInt(0), nullptr);
}

void writeConsole(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT ts, vcpu_id, text FROM console ORDER BY ts, id");
    while (q.step())
        if (const VcpuTrack* vcpu = vcpuTrack(t, q.columnInt(1)))
            w.instant("console", "console", vcpu->pid, vcpu->tid, q.columnInt(0), {{"text", q.columnText(2)}});
}

// Lost trace data: a global instant (a line across every track) where the gap began.
void writeDataLoss(db::Database& db, TraceWriter& w, const Tracks& t)
{
    Statement q = db.prepare("SELECT coalesce(ts_before, ts_after, 0), kind, count, ts_before, ts_after FROM data_loss "
                             "ORDER BY id");
    while (q.step())
        w.instant(fmt::format("data loss: {} {}", q.columnInt(2), q.columnText(1)), "data_loss", t.tracePid, t.tracePid,
                  q.columnInt(0), {{"ts_before", optionalInt(q, 3)}, {"ts_after", optionalInt(q, 4)}}, "g");
}

} // namespace

void exportPerfetto(db::Database& db, std::ostream& out)
{
    TraceWriter w(out);
    Tracks tracks;
    declareCores(db, w, tracks);
    declareVcpus(db, w, tracks);
    declareOtherAgents(db, w, tracks);
    declareTrace(db, w, tracks);
    writeSlices(db, w, tracks);
    writeFlushSegments(db, w, tracks);
    writeSctlrStates(db, w, tracks);
    writeTraps(db, w, tracks);
    writeStaleReads(db, w, tracks);
    writeMarkers(db, w, tracks);
    writeFlushRequests(db, w, tracks);
    writeMigrations(db, w, tracks);
    writeConsole(db, w, tracks);
    writeDataLoss(db, w, tracks);
    writeFindings(db, w, tracks);
    writeStaleWindows(db, w, tracks);
    w.finish();
}

} // namespace vcm::analyzer

// untrapped_setway: set/way maintenance a guest executed natively (HCR_EL2.TSW clear). Set/way operations
// act on the executing core's caches only, one level down, and never reach a system cache (Arm ARM
// D7.5.9.16): in a VM that can migrate, or behind a system cache, they cannot clean the VM's memory.
// Xen and KVM trap them for this reason. One finding per vCPU.
// It reads maintenance_summary, not maintenance: a set/way pass is a row per cache line, millions of rows
// for the few (agent, op) groups this needs.
#include "detector_passes.h"

#include <fmt/core.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace vcm::analyzer::detectors {
namespace {

// One vCPU agent's native set/way operations, summed over its ops.
struct NativeSetWay {
    std::int64_t agent = 0;
    std::int64_t count = 0;
    std::int64_t firstTs = 0;
    std::int64_t lastTs = 0;
    std::int64_t firstId = 0;
    std::int64_t lastId = 0;
    std::vector<std::string> ops; // in order of first use
    std::set<std::int64_t> cores;
    std::int64_t linesCleaned = 0;
    std::int64_t dirtyDiscarded = 0;
    std::optional<std::int64_t> vcpuId;
    std::optional<std::int64_t> vm;
};

void addCores(std::set<std::int64_t>& cores, const std::string& list)
{
    std::istringstream in(list);
    for (std::string core; std::getline(in, core, ',');)
        cores.insert(std::stoll(core));
}

std::string joined(const std::set<std::int64_t>& cores)
{
    std::string text;
    for (const std::int64_t core : cores)
        text += (text.empty() ? "" : ",") + std::to_string(core);
    return text;
}

// dc_cisw -> DC CISW
std::string opNames(const std::vector<std::string>& ops)
{
    std::string text;
    for (const std::string& op : ops) {
        std::string name = op;
        for (char& c : name)
            c = c == '_' ? ' ' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        text += (text.empty() ? "" : ",") + name;
    }
    return text;
}

} // namespace

void detectUntrappedSetWay(db::Database& db, FindingWriter& out)
{
    db::Statement q = db.prepare(
        "SELECT s.agent, s.op, s.count, s.first_ts, s.last_ts, s.first_id, s.last_id, s.cores, s.lines_cleaned, "
        "s.dirty_discarded, v.id, v.vm FROM maintenance_summary s JOIN agent a ON a.id = s.agent "
        "LEFT JOIN vcpu v ON v.agent = s.agent WHERE s.by_set_way = 1 AND s.trapped = 0 AND a.role = 'vcpu' "
        "ORDER BY s.agent, s.first_id");
    std::vector<NativeSetWay> agents;
    while (q.step()) {
        if (agents.empty() || agents.back().agent != q.columnInt(0)) {
            NativeSetWay a;
            a.agent = q.columnInt(0);
            a.firstTs = q.columnInt(3);
            a.lastTs = q.columnInt(4);
            a.firstId = q.columnInt(5);
            a.lastId = q.columnInt(6);
            a.vcpuId = q.columnOptionalInt(10);
            a.vm = q.columnOptionalInt(11);
            agents.push_back(std::move(a));
        }
        NativeSetWay& a = agents.back();
        a.count += q.columnInt(2);
        a.firstTs = std::min(a.firstTs, q.columnInt(3));
        a.lastTs = std::max(a.lastTs, q.columnInt(4));
        a.firstId = std::min(a.firstId, q.columnInt(5));
        a.lastId = std::max(a.lastId, q.columnInt(6));
        if (std::find(a.ops.begin(), a.ops.end(), q.columnText(1)) == a.ops.end())
            a.ops.push_back(q.columnText(1));
        if (q.columnType(7) != db::ColumnType::Null)
            addCores(a.cores, q.columnText(7));
        a.linesCleaned += q.columnInt(8);
        a.dirtyDiscarded += q.columnInt(9);
    }
    std::stable_sort(agents.begin(), agents.end(),
                     [](const NativeSetWay& x, const NativeSetWay& y) { return x.firstTs < y.firstTs; });

    const std::string policy = runPolicy(db);
    for (const NativeSetWay& a : agents) {
        Finding f;
        f.kind = "untrapped_setway";
        f.severity = "warning";
        f.ts = static_cast<std::uint64_t>(a.firstTs);
        f.dur = static_cast<std::uint64_t>(a.lastTs - a.firstTs);
        f.vcpuId = a.vcpuId;
        f.vm = a.vm;
        f.measure = a.count;
        f.explanation = fmt::format(
            "{} executed {} set/way operations ({}) natively on core(s) {} under policy {} (HCR_EL2.TSW clear): they "
            "cleaned {} lines and discarded {} dirty lines of those cores' caches only, one level down, never the "
            "system cache or another core's caches",
            agentName(db, a.agent), a.count, opNames(a.ops), joined(a.cores), policy, a.linesCleaned,
            a.dirtyDiscarded);
        f.evidence.push_back({"maintenance", a.firstId, "subject"});
        if (a.lastId != a.firstId)
            f.evidence.push_back({"maintenance", a.lastId, "last"});
        out.write(f);
    }
}

} // namespace vcm::analyzer::detectors

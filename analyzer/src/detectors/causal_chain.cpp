#include "causal_chain.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

std::string describeLocation(const std::string& source, std::int64_t instance)
{
    if (source == "l1")
        return fmt::format("L1 of core {}", instance);
    if (source == "l2")
        return fmt::format("L2 of cluster {}", instance);
    if (source == "system_cache")
        return "the system cache";
    if (source == "ram")
        return "RAM";
    return "nowhere (an invalidate discarded it)";
}

namespace {

std::string opName(const std::string& label)
{
    // dc_civac -> DC CIVAC
    std::string name = "DC ";
    for (std::size_t i = 3; i < label.size(); ++i)
        name += static_cast<char>(label[i] - 'a' + 'A');
    return name;
}

struct VcpuOfAgent {
    std::int64_t id;
    std::string name;
};

std::optional<VcpuOfAgent> vcpuOfAgent(db::Database& db, std::int64_t agent)
{
    db::Statement q = db.prepare("SELECT id, coalesce(name, 'vcpu ' || id) FROM vcpu WHERE agent = ?");
    q.bind(1, agent);
    if (!q.step())
        return std::nullopt;
    return VcpuOfAgent{q.columnInt(0), q.columnText(1)};
}

} // namespace

CausalChain explainLine(db::Database& db, const LineIncident& incident)
{
    CausalChain chain;
    const std::int64_t lineBytes = std::max<std::int64_t>(db.scalar("SELECT line_bytes FROM machine"), 1);
    const std::int64_t line = static_cast<std::int64_t>(incident.address) & ~(lineBytes - 1);
    const auto ts = static_cast<std::int64_t>(incident.ts);
    std::vector<std::string> parts;

    if (incident.writerAgent) {
        const std::string when =
            incident.writeTs ? fmt::format(" at {} ns ({} ns before)", *incident.writeTs, ts - *incident.writeTs) : "";
        if (incident.lostWrite)
            parts.push_back(fmt::format("the destroyed data was written by {}{}", agentName(db, *incident.writerAgent), when));
        else
            parts.push_back(fmt::format("latest data written by {}{}, now in {}", agentName(db, *incident.writerAgent),
                                        when, describeLocation(incident.latestHeldIn, incident.heldInstance)));
    }

    // The last maintenance by address that covered the line before the incident.
    db::Statement byAddress = db.prepare(
        "SELECT id, ts, agent, op FROM maintenance WHERE by_set_way = 0 AND address <= ?1 AND address + bytes > ?1 "
        "AND ts <= ?2 ORDER BY ts DESC, id DESC LIMIT 1");
    byAddress.bind(1, line).bind(2, ts);
    if (byAddress.step()) {
        const std::string op = byAddress.columnText(3);
        std::string why;
        if (incident.lostWrite && byAddress.columnInt(1) == ts)
            why = "this maintenance wrote back a dirty copy older than RAM";
        else if (incident.writeTs && byAddress.columnInt(1) < *incident.writeTs)
            why = fmt::format("it ran before the write at {} ns, so it could not cover it", *incident.writeTs);
        else if (op == "dc_cvau")
            why = "it cleans to the PoU only; the system cache beyond the PoU kept the dirty line";
        else if (op == "dc_ivac")
            why = "an invalidate without a clean discards dirty data";
        else if (incident.latestHeldIn != "ram" && incident.latestHeldIn != "nowhere")
            why = "the line was cached and dirtied again after it";
        else
            why = "a later access refilled the line from a stale copy";
        parts.push_back(fmt::format("last maintenance of the line: {} by {} at {} ns ({})", opName(op),
                                    agentName(db, byAddress.columnInt(2)), byAddress.columnInt(1), why));
        chain.evidence.push_back({"maintenance", byAddress.columnInt(0), "maintenance"});
    } else {
        // Set/way rows can be millions and have no index: whole maintenance_summary groups that ended by the
        // incident count from the summary; only a group the incident falls inside is counted row by row, over
        // its id range (a rowid range, not the table).
        db::Statement setWay = db.prepare(
            "SELECT coalesce(sum(n), 0), max(last) FROM ("
            "SELECT s.count AS n, s.last_id AS last FROM maintenance_summary s WHERE s.by_set_way = 1 AND s.last_ts <= ?1 "
            "UNION ALL "
            "SELECT count(*), max(m.id) FROM maintenance_summary s JOIN maintenance m ON m.id BETWEEN s.first_id AND "
            "s.last_id AND m.agent = s.agent AND m.op = s.op AND m.trapped = s.trapped AND m.by_set_way = 1 "
            "WHERE s.by_set_way = 1 AND s.first_ts <= ?1 AND s.last_ts > ?1 AND m.ts <= ?1)");
        setWay.bind(1, ts);
        if (setWay.step() && setWay.columnInt(0) > 0) {
            const std::int64_t last = setWay.columnInt(1);
            db::Statement q = db.prepare("SELECT ts, agent, op, core, trapped FROM maintenance WHERE id = ?");
            q.bind(1, last);
            q.step();
            parts.push_back(fmt::format(
                "no maintenance by address covered the line; {} set/way operations ran before it (last {} by {} on "
                "core {} at {} ns), and set/way maintenance acts on one core's caches only, one level down, never "
                "on the system cache (Arm ARM D7.5.9.16)",
                setWay.columnInt(0), opName(q.columnText(2)), agentName(db, q.columnInt(1)), q.columnInt(3),
                q.columnInt(0)));
            chain.evidence.push_back({"maintenance", last, "maintenance"});
        } else {
            parts.push_back("no maintenance of the line before it");
        }
    }

    // The trap and policy decisions of the vCPU involved (the reader, else the writer).
    const std::string policy = runPolicy(db);
    std::optional<VcpuOfAgent> vcpu;
    if (incident.readerAgent)
        vcpu = vcpuOfAgent(db, *incident.readerAgent);
    if (!vcpu && incident.writerAgent)
        vcpu = vcpuOfAgent(db, *incident.writerAgent);
    if (vcpu) {
        db::Statement traps = db.prepare("SELECT count(*) FROM trap WHERE vcpu_id = ? AND kind = 'setway' AND ts <= ?");
        traps.bind(1, vcpu->id).bind(2, ts);
        traps.step();
        const std::int64_t setWayTraps = traps.columnInt(0);
        // As above: from the summary, row by row (by id range) only inside a group the incident falls in.
        db::Statement untrapped = db.prepare(
            "SELECT coalesce(sum(CASE WHEN s.last_ts <= ?2 THEN s.count ELSE (SELECT count(*) FROM maintenance m "
            "WHERE m.id BETWEEN s.first_id AND s.last_id AND m.agent = s.agent AND m.op = s.op AND m.by_set_way = 1 "
            "AND m.trapped = 0 AND m.ts <= ?2) END), 0) FROM maintenance_summary s JOIN vcpu v ON v.agent = s.agent "
            "WHERE v.id = ?1 AND s.by_set_way = 1 AND s.trapped = 0 AND s.first_ts <= ?2");
        untrapped.bind(1, vcpu->id).bind(2, ts);
        untrapped.step();
        if (untrapped.columnInt(0) > 0)
            parts.push_back(fmt::format("policy {} did not trap {}'s set/way operations ({} executed natively: "
                                        "HCR_EL2.TSW clear)",
                                        policy, vcpu->name, untrapped.columnInt(0)));
        else if (setWayTraps > 0)
            parts.push_back(fmt::format("policy {} trapped {} set/way operations of {}", policy, setWayTraps,
                                        vcpu->name));
        db::Statement lastTrap = db.prepare("SELECT id, ts, what FROM trap WHERE vcpu_id = ? AND ts <= ? "
                                            "ORDER BY ts DESC, id DESC LIMIT 1");
        lastTrap.bind(1, vcpu->id).bind(2, ts);
        if (lastTrap.step()) {
            parts.push_back(fmt::format("last trap of {}: {} at {} ns", vcpu->name, lastTrap.columnText(2),
                                        lastTrap.columnInt(1)));
            chain.evidence.push_back({"trap", lastTrap.columnInt(0), "trap"});
        } else {
            parts.push_back(fmt::format("{} took no trap before it (policy {})", vcpu->name, policy));
        }
        db::Statement migration = db.prepare("SELECT id, ts, from_core, to_core FROM migration WHERE vcpu_id = ? "
                                             "AND ts <= ? ORDER BY ts DESC, id DESC LIMIT 1");
        migration.bind(1, vcpu->id).bind(2, ts);
        if (migration.step()) {
            parts.push_back(fmt::format("{} migrated from core {} to core {} at {} ns", vcpu->name,
                                        migration.columnInt(2), migration.columnInt(3), migration.columnInt(1)));
            chain.evidence.push_back({"migration", migration.columnInt(0), "migration"});
        }
    }
    for (std::size_t i = 0; i < parts.size(); ++i)
        chain.text += (i == 0 ? "" : "; ") + parts[i];
    return chain;
}

} // namespace vcm::analyzer::detectors

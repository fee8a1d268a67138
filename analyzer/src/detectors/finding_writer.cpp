#include "finding_writer.h"

#include <fmt/core.h>

namespace vcm::analyzer::detectors {

FindingWriter::FindingWriter(db::Database& db)
    : m_db(db),
      m_insert(db.prepare("INSERT INTO finding (kind, severity, ts, dur, vm, vcpu_id, core, address, measure, "
                          "explanation, uncertain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      m_evidence(db.prepare("INSERT INTO finding_evidence (finding, table_name, row_id, role) VALUES (?, ?, ?, ?)"))
{
    const std::int64_t discarded = db.scalar("SELECT coalesce(sum(count), 0) FROM data_loss WHERE kind = 'events'");
    const std::int64_t packets = db.scalar("SELECT coalesce(sum(count), 0) FROM data_loss WHERE kind = 'packets'");
    if (discarded != 0 || packets != 0)
        m_lossNote = fmt::format(" [uncertain: the trace lost {} events and {} packets]", discarded, packets);
}

void FindingWriter::write(const Finding& f)
{
    m_insert.bind(1, f.kind)
        .bind(2, f.severity)
        .bind(3, f.ts)
        .bind(4, f.dur)
        .bind(5, f.vm)
        .bind(6, f.vcpuId)
        .bind(7, f.core)
        .bind(8, f.address)
        .bind(9, f.measure)
        .bind(10, m_lossNote ? f.explanation + *m_lossNote : f.explanation)
        .bind(11, std::int64_t{m_lossNote.has_value()})
        .run();
    const std::int64_t id = m_db.lastInsertRowId();
    for (const Evidence& e : f.evidence)
        m_evidence.bind(1, id).bind(2, e.table).bind(3, e.row).bind(4, e.role).run();
    ++m_written;
}

void appendEvidence(Finding& finding, db::Statement& rows, const char* table)
{
    bool first = true;
    while (rows.step()) {
        finding.evidence.push_back({table, rows.columnInt(0), first ? "subject" : "also"});
        first = false;
    }
    rows.reset();
}

std::string runPolicy(db::Database& db)
{
    db::Statement q = db.prepare("SELECT coalesce(policy, '?') FROM run");
    return q.step() ? q.columnText(0) : std::string("?");
}

std::string agentName(db::Database& db, std::int64_t agent)
{
    db::Statement q = db.prepare("SELECT name FROM agent WHERE id = ?");
    q.bind(1, agent);
    return q.step() ? q.columnText(0) : fmt::format("agent {}", agent);
}

} // namespace vcm::analyzer::detectors

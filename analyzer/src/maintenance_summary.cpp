#include "maintenance_summary.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace vcm::analyzer {

using namespace rows; // this file builds or writes the rows of trace_rows.h
namespace {

bool sameLabel(const char* a, const char* b)
{
    // Labels come from one static table, so pointers mostly match; the text decides otherwise.
    return a == b || (a != nullptr && b != nullptr && std::strcmp(a, b) == 0);
}

bool inGroup(const MaintenanceSummaryRow& group, const MaintenanceRow& row)
{
    return group.agent == row.agent && group.bySetWay == row.bySetWay && group.trapped == row.trapped &&
           sameLabel(group.op, row.op);
}

} // namespace

MaintenanceSummary::Group& MaintenanceSummary::groupOf(const MaintenanceRow& row)
{
    if (m_lastGroup < m_groups.size() && inGroup(m_groups[m_lastGroup].totals, row))
        return m_groups[m_lastGroup];
    const auto found = std::find_if(m_groups.begin(), m_groups.end(),
                                    [&row](const Group& g) { return inGroup(g.totals, row); });
    if (found != m_groups.end()) {
        m_lastGroup = static_cast<std::size_t>(found - m_groups.begin());
        return *found;
    }
    Group group;
    group.totals.agent = row.agent;
    group.totals.op = row.op;
    group.totals.bySetWay = row.bySetWay;
    group.totals.trapped = row.trapped;
    group.totals.firstTs = row.ts;
    group.totals.lastTs = row.ts;
    group.totals.firstId = row.id;
    group.totals.lastId = row.id;
    m_groups.push_back(std::move(group));
    m_lastGroup = m_groups.size() - 1;
    return m_groups.back();
}

void MaintenanceSummary::add(const MaintenanceRow& row)
{
    Group& group = groupOf(row);
    MaintenanceSummaryRow& t = group.totals;
    ++t.count;
    t.firstTs = std::min(t.firstTs, row.ts);
    t.lastTs = std::max(t.lastTs, row.ts);
    t.firstId = std::min(t.firstId, row.id);
    t.lastId = std::max(t.lastId, row.id);
    t.linesCleaned += row.linesCleaned;
    t.linesInvalidated += row.linesInvalidated;
    t.dirtyDiscarded += row.dirtyDiscarded;
    if (row.core) {
        const auto at = std::lower_bound(group.cores.begin(), group.cores.end(), *row.core);
        if (at == group.cores.end() || *at != *row.core)
            group.cores.insert(at, *row.core);
    }
}

std::vector<MaintenanceSummaryRow> MaintenanceSummary::rows() const
{
    std::vector<MaintenanceSummaryRow> rows;
    rows.reserve(m_groups.size());
    for (const Group& group : m_groups) {
        MaintenanceSummaryRow row = group.totals;
        row.id = static_cast<std::int64_t>(rows.size()) + 1;
        if (!group.cores.empty()) {
            std::string cores;
            for (const std::int64_t core : group.cores)
                cores += (cores.empty() ? "" : ",") + std::to_string(core);
            row.cores = std::move(cores);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace vcm::analyzer

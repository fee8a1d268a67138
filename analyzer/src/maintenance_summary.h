// The maintenance_summary table, accumulated while the maintenance rows go by: one group per (agent, op,
// by_set_way, trapped) with its count, time and id range, line totals and cores. A trace can hold millions of
// maintenance rows (a set/way pass is one per cache line) from a handful of groups; the questions asked per
// agent are answered from the groups instead of from the rows.
#pragma once

#include "trace_rows.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vcm::analyzer {

class MaintenanceSummary {
public:
    void add(const rows::MaintenanceRow& row);
    // One row per group, numbered from 1 in the order of each group's first maintenance row.
    std::vector<rows::MaintenanceSummaryRow> rows() const;

private:
    struct Group {
        rows::MaintenanceSummaryRow totals;
        std::vector<std::int64_t> cores; // ascending, distinct
    };
    Group& groupOf(const rows::MaintenanceRow& row);

    std::vector<Group> m_groups;
    std::size_t m_lastGroup = 0; // consecutive rows mostly fall in the same group: tried first
};

} // namespace vcm::analyzer

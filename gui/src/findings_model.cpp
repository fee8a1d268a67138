#include "vcm/gui/findings_model.h"

#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_palette.h"

namespace vcm::gui {

FindingsModel::FindingsModel(QObject* parent) : QAbstractTableModel(parent) {}

void FindingsModel::setSource(TraceSource* source)
{
    beginResetModel();
    m_source = source;
    m_rows.clear();
    m_timeUnit = source ? columnUnit(static_cast<double>(source->facts().endTs)) : 1e3;
    m_complete = source == nullptr;
    endResetModel();
    if (canFetchMore({}))
        fetchMore({});
}

int FindingsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool FindingsModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_complete;
}

void FindingsModel::fetchMore(const QModelIndex& parent)
{
    if (parent.isValid() || m_complete || !m_source)
        return;
    // Keyset paging in (severity rank, ts, id) order: errors first, so that none waits below pages of warnings;
    // the next page starts after the last row fetched.
    const bool first = m_rows.empty();
    const std::string rank = "CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END";
    db::Statement statement = m_source->database().prepare(
        "SELECT id, severity, kind, ts, dur, explanation, uncertain FROM finding " +
        std::string(first ? "" : "WHERE (" + rank + ", ts, id) > (?1, ?2, ?3) ") + "ORDER BY " + rank +
        ", ts, id LIMIT " + std::to_string(kPageRows));
    if (!first) {
        const QString& severity = m_rows.back().severity;
        const int lastRank = severity == QLatin1String("error") ? 0 : severity == QLatin1String("warning") ? 1 : 2;
        statement.bind(1, std::int64_t{lastRank}).bind(2, m_rows.back().ts).bind(3, m_rows.back().id);
    }
    std::vector<FindingRow> page;
    while (statement.step()) {
        page.push_back({statement.columnInt(0), QString::fromStdString(statement.columnText(1)),
                        QString::fromStdString(statement.columnText(2)), statement.columnInt(3), statement.columnInt(4),
                        QString::fromStdString(statement.columnText(5)), statement.columnInt(6) != 0});
    }
    m_complete = page.size() < static_cast<std::size_t>(kPageRows);
    if (page.empty())
        return;
    const int firstRow = static_cast<int>(m_rows.size());
    beginInsertRows({}, firstRow, firstRow + static_cast<int>(page.size()) - 1);
    m_rows.insert(m_rows.end(), page.begin(), page.end());
    endInsertRows();
}

QVariant FindingsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const FindingRow& f = m_rows[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Severity: return f.uncertain ? f.severity + QStringLiteral(" (uncertain)") : f.severity;
        case Kind: return f.kind;
        case Time: return formatTimeIn(static_cast<double>(f.ts), m_timeUnit);
        case Duration: return formatDuration(static_cast<double>(f.dur));
        case Explanation: return f.explanation;
        default: return {};
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case Severity: return f.severity == QLatin1String("error") ? 0 : f.severity == QLatin1String("warning") ? 1 : 2;
        case Time: return QVariant::fromValue<qlonglong>(f.ts);
        case Duration: return QVariant::fromValue<qlonglong>(f.dur);
        case Kind: return f.kind;
        case Explanation: return f.explanation;
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Explanation)
        return f.explanation;
    if (role == Qt::ForegroundRole && index.column() == Severity) {
        const int level = f.severity == QLatin1String("error") ? 2 : f.severity == QLatin1String("warning") ? 1 : 0;
        return palette::severity(level);
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Severity: return tr("Severity");
    case Kind: return tr("Kind");
    case Time: return tr("Time");
    case Duration: return tr("Duration");
    case Explanation: return tr("Explanation");
    default: return {};
    }
}

int FindingsModel::rowOf(std::int64_t findingId) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].id == findingId)
            return static_cast<int>(i);
    }
    return -1;
}

} // namespace vcm::gui

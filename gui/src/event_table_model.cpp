#include "vcm/gui/event_table_model.h"

#include "vcm/gui/column_format.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <type_traits>

namespace vcm::gui {

namespace {

const std::map<std::string, QString>& kindColumns()
{
    static const std::map<std::string, QString> columns = {
        {"finding", QStringLiteral("kind")},       {"trap", QStringLiteral("kind")},
        {"maintenance", QStringLiteral("op")},     {"data_loss", QStringLiteral("kind")},
        {"sched_slice", QStringLiteral("end_reason")}, {"toolstack_action", QStringLiteral("action")},
        {"sctlr_state", QStringLiteral("state")},  {"clobber", QStringLiteral("cause")},
        {"flush", QStringLiteral("reason")},       {"stale_read", QStringLiteral("source")},
        {"marker", QStringLiteral("name")},        {"stale_window", QStringLiteral("cause")},
    };
    return columns;
}

void bindAll(db::Statement& statement, const std::vector<std::variant<std::int64_t, double, std::string>>& bindings)
{
    int index = 1;
    for (const auto& binding : bindings) {
        if (const auto* number = std::get_if<std::int64_t>(&binding))
            statement.bind(index++, *number);
        else if (const auto* real = std::get_if<double>(&binding))
            statement.bind(index++, *real);
        else
            statement.bind(index++, std::get<std::string>(binding));
    }
}

} // namespace

EventTableModel::EventTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void EventTableModel::setSource(TraceSource* source)
{
    m_source = source;
    reload();
}

void EventTableModel::setTable(const std::string& table)
{
    if (!TraceSource::isEventTable(table))
        return;
    m_table = table;
    m_sortColumn = 0;
    m_sortOrder = Qt::AscendingOrder;
    reload();
}

void EventTableModel::setFilter(const EventFilter& filter)
{
    m_filter = filter;
    reload();
}

QString EventTableModel::kindColumn() const
{
    const auto found = kindColumns().find(m_table);
    return found == kindColumns().end() ? QString() : found->second;
}

bool EventTableModel::hasColumn(const QString& name) const
{
    return m_columns.contains(name);
}

std::string EventTableModel::whereClause(std::vector<Binding>& bindings) const
{
    std::string where = "1";
    if (!m_filter.kind.isEmpty() && !kindColumn().isEmpty()) {
        where += " AND " + kindColumn().toStdString() + " = ?";
        bindings.emplace_back(m_filter.kind.toStdString());
    }
    if (m_filter.vm) {
        if (hasColumn(QStringLiteral("vm"))) {
            where += " AND vm = ?";
            bindings.emplace_back(*m_filter.vm);
        } else if (hasColumn(QStringLiteral("vcpu_id"))) {
            where += " AND vcpu_id IN (SELECT id FROM vcpu WHERE vm = ?)";
            bindings.emplace_back(*m_filter.vm);
        } else {
            where += " AND 0";
        }
    }
    if (m_filter.vcpu) {
        if (hasColumn(QStringLiteral("vcpu_id"))) {
            where += " AND vcpu_id = ?";
            bindings.emplace_back(*m_filter.vcpu);
        } else {
            where += " AND 0";
        }
    }
    if (m_filter.address) {
        const std::int64_t page = *m_filter.address / 4096 * 4096;
        if (hasColumn(QStringLiteral("address"))) {
            where += " AND address >= ? AND address < ?";
            bindings.emplace_back(page);
            bindings.emplace_back(page + 4096);
        } else if (hasColumn(QStringLiteral("page"))) {
            where += " AND page = ?";
            bindings.emplace_back(page);
        } else {
            where += " AND 0";
        }
    }
    return where;
}

void EventTableModel::reload()
{
    beginResetModel();
    m_pages.clear();
    m_columns.clear();
    m_nullable.clear();
    forgetPositions();
    m_rowCount = 0;
    m_lastId = 0;
    m_grown = false;
    if (m_source) {
        db::Statement info =
            m_source->database().prepare("SELECT name, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid");
        info.bind(1, m_table);
        while (info.step()) {
            const std::string name = info.columnText(0);
            m_columns << QString::fromStdString(name);
            m_nullable.push_back(info.columnInt(1) == 0 && name != "id");
        }
        // The count and the largest id in one statement, so one snapshot: rows a followed ingest appends later
        // have larger ids and every page query leaves them out (see shownRowsClause).
        std::vector<Binding> bindings;
        db::Statement count = m_source->database().prepare("SELECT count(*), (SELECT max(id) FROM " + m_table +
                                                           ") FROM " + m_table + " WHERE " + whereClause(bindings));
        bindAll(count, bindings);
        if (count.step()) {
            m_rowCount = static_cast<int>(std::min<std::int64_t>(count.columnInt(0), std::numeric_limits<int>::max()));
            m_lastId = count.columnInt(1);
        }
    }
    endResetModel();
}

void EventTableModel::forgetPositions()
{
    m_nullRows.reset();
    m_anchors.clear();
}

std::string EventTableModel::shownRowsClause(std::vector<Binding>& bindings) const
{
    // Pages counted from the end must end where the count did. Only once the table has grown: the bound costs
    // a comparison per row an OFFSET steps over (+70% on a long walk). The unary + keeps SQLite from taking it as
    // the index range instead of the sort column's.
    std::string where = whereClause(bindings);
    if (m_grown) {
        where += " AND +id <= ?";
        bindings.emplace_back(m_lastId);
    }
    return where;
}

bool EventTableModel::grownSinceCount() const
{
    // Appended rows have larger ids (INTEGER PRIMARY KEY): the largest tells, in a rowid lookup. Asked after a
    // query, an unchanged answer means the query saw only the counted rows.
    if (!m_grown)
        m_grown = m_source->database().scalar("SELECT max(id) FROM " + m_table) != m_lastId;
    return m_grown;
}

std::string EventTableModel::orderColumn() const
{
    return m_columns.isEmpty() ? "id" : m_columns[m_sortColumn].toStdString();
}

int EventTableModel::nullRows() const
{
    if (m_nullRows)
        return *m_nullRows;
    m_nullRows = 0;
    if (m_source && static_cast<std::size_t>(m_sortColumn) < m_nullable.size() &&
        m_nullable[static_cast<std::size_t>(m_sortColumn)]) {
        // Once per sort and filter: an index range when the column is indexed, else one scan, which every page
        // query of an unindexed sort column makes anyway.
        const auto countNulls = [&] {
            std::vector<Binding> bindings;
            db::Statement count =
                m_source->database().prepare("SELECT count(*) FROM " + m_table + " WHERE " + shownRowsClause(bindings) +
                                             " AND " + orderColumn() + " IS NULL");
            bindAll(count, bindings);
            if (count.step())
                m_nullRows = static_cast<int>(std::min<std::int64_t>(count.columnInt(0), m_rowCount));
        };
        const bool bounded = m_grown;
        countNulls();
        if (!bounded && grownSinceCount())
            countNulls();
    }
    return *m_nullRows;
}

const EventTableModel::Page& EventTableModel::page(int index) const
{
    for (auto it = m_pages.begin(); it != m_pages.end(); ++it) {
        if (it->index == index) {
            m_pages.splice(m_pages.begin(), m_pages, it);
            return m_pages.front();
        }
    }
    Page fetched{index, {}};
    const int begin = index * kPageRows;
    const int end = static_cast<int>(std::min<std::int64_t>(m_rowCount, std::int64_t{begin} + kPageRows));
    const int nulls = nullRows();
    const bool ascending = m_sortOrder == Qt::AscendingOrder;
    const Run runs[] = {ascending ? Run{0, nulls, true} : Run{0, m_rowCount - nulls, false},
                        ascending ? Run{nulls, m_rowCount, false} : Run{m_rowCount - nulls, m_rowCount, true}};
    m_rowsSkippedByLastFetch = 0;
    for (const Run& run : runs) {
        const int from = std::max(begin, run.begin);
        const int to = std::min(end, run.end);
        if (from < to)
            fetchRows(run, from, to, fetched.rows);
    }
    m_pages.push_front(std::move(fetched));
    while (m_pages.size() > kCachedPages)
        m_pages.pop_back();
    return m_pages.front();
}

void EventTableModel::fetchRows(const Run& run, int begin, int end, std::vector<QStringList>& rows) const
{
    // Start from whichever known position is fewest rows away, since OFFSET steps over every row between: the
    // run's first row (reading forward) or its last (reading backward, then reversed), or an anchor at or before
    // `begin` (forward from its key) or at or after `end - 1` (backward from its key). Anchors keep their rows
    // exact because a trace database only ever grows by appended rows, which shownRowsClause leaves out. A
    // NULL-sorted anchor belongs to the NULL run only.
    bool forward = true;
    int skip = begin - run.begin;
    Anchor* start = nullptr;
    if (run.end - end < skip) {
        forward = false;
        skip = run.end - end;
    }
    const auto inRun = [&](const std::map<int, Anchor>::iterator& anchor) {
        return anchor->first >= run.begin && anchor->first < run.end &&
               std::holds_alternative<std::monostate>(anchor->second.key.value) == run.nulls;
    };
    if (auto after = m_anchors.upper_bound(begin); after != m_anchors.begin()) {
        const auto before = std::prev(after);
        if (inRun(before) && begin - before->first < skip) {
            forward = true;
            skip = begin - before->first;
            start = &before->second;
        }
    }
    if (const auto last = m_anchors.lower_bound(end - 1);
        last != m_anchors.end() && inRun(last) && last->first - (end - 1) < skip) {
        forward = false;
        skip = last->first - (end - 1);
        start = &last->second;
    }

    if (start)
        start->lastUse = ++m_anchorUses;
    const std::string order = orderColumn();
    const bool scanAscending = (m_sortOrder == Qt::AscendingOrder) == forward;
    const std::string direction = scanAscending ? " ASC" : " DESC";
    // NULLs tie on the column, so the NULL run is in id order; and sorting by id needs no second key.
    const bool idOrder = run.nulls || order == "id";
    const int idColumn = static_cast<int>(m_columns.indexOf(QStringLiteral("id")));
    std::vector<QStringList> fetched;
    std::optional<SortKey> firstKey;
    std::optional<SortKey> lastKey;
    const auto query = [&] {
        std::vector<Binding> bindings;
        std::string sql = "SELECT * FROM " + m_table + " WHERE " + shownRowsClause(bindings);
        if (static_cast<std::size_t>(m_sortColumn) < m_nullable.size() &&
            m_nullable[static_cast<std::size_t>(m_sortColumn)])
            sql += " AND " + order + (run.nulls ? " IS NULL" : " IS NOT NULL");
        if (start) {
            // Inclusive, so a page whose first (or last) row is an anchor is found with no OFFSET at all. Row
            // values compare as ORDER BY sorts (same collation and type order), and no NULL is ever bound.
            const std::string comparison = scanAscending ? " >= " : " <= ";
            if (idOrder) {
                sql += " AND id" + comparison + "?";
            } else {
                sql += " AND (" + order + ", id)" + comparison + "(?, ?)";
                std::visit(
                    [&](const auto& value) {
                        if constexpr (!std::is_same_v<std::decay_t<decltype(value)>, std::monostate>)
                            bindings.emplace_back(value);
                    },
                    start->key.value);
            }
            bindings.emplace_back(start->key.id);
        }
        sql += idOrder ? " ORDER BY id" + direction : " ORDER BY " + order + direction + ", id" + direction;
        sql += " LIMIT " + std::to_string(end - begin) + " OFFSET " + std::to_string(skip);
        db::Statement statement = m_source->database().prepare(sql);
        bindAll(statement, bindings);

        const auto keyOf = [&]() -> std::optional<SortKey> {
            if (idColumn < 0)
                return std::nullopt;
            SortKey key;
            key.id = statement.columnInt(idColumn);
            switch (statement.columnType(m_sortColumn)) {
            case db::ColumnType::Null:
                break;
            case db::ColumnType::Integer:
                key.value = statement.columnInt(m_sortColumn);
                break;
            case db::ColumnType::Real:
                key.value = statement.columnReal(m_sortColumn);
                break;
            case db::ColumnType::Text:
                key.value = statement.columnText(m_sortColumn);
                break;
            case db::ColumnType::Blob:
                return std::nullopt; // Statement binds no blobs: this row cannot be sought from
            }
            return key;
        };
        fetched.clear();
        firstKey.reset();
        lastKey.reset();
        while (statement.step()) {
            QStringList row;
            for (int column = 0; column < statement.columnCount(); ++column)
                row << (statement.columnType(column) == db::ColumnType::Null
                            ? QStringLiteral("NULL")
                            : QString::fromStdString(statement.columnText(column)));
            fetched.push_back(std::move(row));
            // Only a complete result leaves anchors, so only its first and last rows need their keys read.
            if (fetched.size() == 1)
                firstKey = keyOf();
            if (fetched.size() == static_cast<std::size_t>(end - begin))
                lastKey = keyOf();
        }
    };
    const bool bounded = m_grown;
    query();
    if (!bounded && grownSinceCount())
        query(); // rows were appended meanwhile: again, without them
    m_rowsSkippedByLastFetch += skip;
    if (!forward) {
        std::reverse(fetched.begin(), fetched.end());
        std::swap(firstKey, lastKey);
    }
    if (fetched.size() == static_cast<std::size_t>(end - begin)) {
        if (firstKey)
            rememberAnchor(begin, std::move(*firstKey));
        if (lastKey)
            rememberAnchor(end - 1, std::move(*lastKey));
    }
    rows.insert(rows.end(), std::make_move_iterator(fetched.begin()), std::make_move_iterator(fetched.end()));
}

void EventTableModel::rememberAnchor(int row, SortKey key) const
{
    Anchor& anchor = m_anchors[row];
    anchor.key = std::move(key);
    anchor.lastUse = ++m_anchorUses;
    if (m_anchors.size() > kAnchors) {
        const auto oldest = std::min_element(m_anchors.begin(), m_anchors.end(), [](const auto& a, const auto& b) {
            return a.second.lastUse < b.second.lastUse;
        });
        m_anchors.erase(oldest);
    }
}

int EventTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rowCount;
}

int EventTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const
{
    if ((role != Qt::DisplayRole && role != StoredRole) || !index.isValid() || !m_source || index.row() >= m_rowCount)
        return {};
    const Page& p = page(index.row() / kPageRows);
    const auto row = static_cast<std::size_t>(index.row() % kPageRows);
    if (row >= p.rows.size() || index.column() >= p.rows[row].size())
        return {};
    const QString& stored = p.rows[row][index.column()];
    if (role == StoredRole)
        return stored;
    return formatColumn(m_source->facts(), m_columns[index.column()].toStdString(), stored);
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Horizontal)
        return section < m_columns.size() ? m_columns[section] : QVariant();
    return section + 1;
}

void EventTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= m_columns.size())
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    beginResetModel();
    m_pages.clear();
    forgetPositions();
    endResetModel();
}

std::optional<std::int64_t> EventTableModel::rowId(int row) const
{
    const int idColumn = static_cast<int>(m_columns.indexOf(QStringLiteral("id")));
    if (idColumn < 0 || row < 0 || row >= m_rowCount)
        return std::nullopt;
    bool ok = false;
    const qlonglong id = data(index(row, idColumn)).toString().toLongLong(&ok);
    return ok ? std::optional<std::int64_t>(id) : std::nullopt;
}

} // namespace vcm::gui

#include "vcm/gui/event_table_model.h"

#include <map>

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

void bindAll(db::Statement& statement, const std::vector<std::variant<std::int64_t, std::string>>& bindings)
{
    int index = 1;
    for (const auto& binding : bindings) {
        if (const auto* number = std::get_if<std::int64_t>(&binding))
            statement.bind(index++, *number);
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
    m_rowCount = 0;
    if (m_source) {
        db::Statement info = m_source->database().prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid");
        info.bind(1, m_table);
        while (info.step())
            m_columns << QString::fromStdString(info.columnText(0));
        std::vector<Binding> bindings;
        db::Statement count =
            m_source->database().prepare("SELECT count(*) FROM " + m_table + " WHERE " + whereClause(bindings));
        bindAll(count, bindings);
        if (count.step())
            m_rowCount = static_cast<int>(std::min<std::int64_t>(count.columnInt(0), std::numeric_limits<int>::max()));
    }
    endResetModel();
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
    std::vector<Binding> bindings;
    const std::string order = m_columns.isEmpty() ? "id" : m_columns[m_sortColumn].toStdString();
    const std::string direction = m_sortOrder == Qt::AscendingOrder ? " ASC" : " DESC";
    // OFFSET walks the index (or the table) up to the page: fast enough for interactive scrolling, and the
    // memory held stays kCachedPages pages whatever the table's size.
    db::Statement statement = m_source->database().prepare(
        "SELECT * FROM " + m_table + " WHERE " + whereClause(bindings) + " ORDER BY " + order + direction + ", id" +
        direction + " LIMIT " + std::to_string(kPageRows) + " OFFSET " +
        std::to_string(static_cast<std::int64_t>(index) * kPageRows));
    bindAll(statement, bindings);
    while (statement.step()) {
        QStringList row;
        for (int column = 0; column < statement.columnCount(); ++column)
            row << (statement.columnType(column) == db::ColumnType::Null ? QStringLiteral("NULL")
                                                                          : QString::fromStdString(statement.columnText(column)));
        fetched.rows.push_back(std::move(row));
    }
    m_pages.push_front(std::move(fetched));
    while (m_pages.size() > kCachedPages)
        m_pages.pop_back();
    return m_pages.front();
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
    if (role != Qt::DisplayRole || !index.isValid() || !m_source || index.row() >= m_rowCount)
        return {};
    const Page& p = page(index.row() / kPageRows);
    const auto row = static_cast<std::size_t>(index.row() % kPageRows);
    if (row >= p.rows.size() || index.column() >= p.rows[row].size())
        return {};
    return p.rows[row][index.column()];
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

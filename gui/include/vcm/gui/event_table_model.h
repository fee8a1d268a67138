// One event table of the database as a virtual table model: the row count comes from SQL, rows are fetched in
// pages of kPageRows when the view shows them, and at most kCachedPages pages are kept, so millions of rows
// scroll without being loaded. Sorting is ORDER BY on the clicked column; filters are SQL conditions.
#pragma once

#include "vcm/gui/trace_source.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <list>
#include <optional>
#include <variant>
#include <vector>

namespace vcm::gui {

struct EventFilter {
    QString kind;                        // the table's kind column (trap.kind, maintenance.op, ...) equals this
    std::optional<std::int64_t> vm;      // rows of this VM (directly, or through their vCPU)
    std::optional<std::int64_t> vcpu;    // rows of this vCPU id
    std::optional<std::int64_t> address; // rows about the 4 KiB page holding this address
};

class EventTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int kPageRows = 256;
    static constexpr std::size_t kCachedPages = 16;

    explicit EventTableModel(QObject* parent = nullptr);
    void setSource(TraceSource* source);
    void setTable(const std::string& table);
    void setFilter(const EventFilter& filter);
    const std::string& table() const { return m_table; }
    // The column a kind filter applies to in the current table, empty when it has none.
    QString kindColumn() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order) override;

    // The row id (the `id` column) of a model row.
    std::optional<std::int64_t> rowId(int row) const;
    // How many pages are cached (the test checks the bound).
    std::size_t cachedPages() const { return m_pages.size(); }

private:
    struct Page {
        int index = 0;
        std::vector<QStringList> rows;
    };
    using Binding = std::variant<std::int64_t, std::string>;

    void reload();
    bool hasColumn(const QString& name) const;
    std::string whereClause(std::vector<Binding>& bindings) const;
    const Page& page(int index) const;

    TraceSource* m_source = nullptr;
    std::string m_table = "finding";
    EventFilter m_filter;
    QStringList m_columns;
    int m_sortColumn = 0;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    int m_rowCount = 0;
    mutable std::list<Page> m_pages;   // most recently used first
};

} // namespace vcm::gui

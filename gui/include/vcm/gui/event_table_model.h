// One event table of the database as a virtual table model: the row count comes from SQL, rows are fetched in
// pages of kPageRows when the view shows them, and at most kCachedPages pages are kept, so millions of rows
// scroll without being loaded. Sorting is ORDER BY on the clicked column; filters are SQL conditions.
// Pages are found by keyset (seek) paging: the sort keys of rows already seen (at most kAnchors of them) are
// anchors a query starts from, so a page next to a seen one, or near either end, costs the same at any depth.
#pragma once

#include "vcm/gui/trace_source.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <cstdint>
#include <list>
#include <map>
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
    // The value as stored (SQLite's text of it), where DisplayRole shows it formatted (column_format.h).
    static constexpr int StoredRole = Qt::UserRole;
    static constexpr int kPageRows = 256;
    static constexpr std::size_t kCachedPages = 16;
    // Sort keys remembered (first and last rows of fetched pages), the least recently used forgotten first: the
    // memory they hold does not grow with the table.
    static constexpr std::size_t kAnchors = 1024;

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
    // How many anchors are kept (the test checks the bound).
    std::size_t anchors() const { return m_anchors.size(); }
    // The rows SQLite stepped over (OFFSET) to fetch the last page not in the cache: the distance from the
    // anchor or end the page was sought from, the figure keyset paging keeps small (the test checks it).
    std::int64_t rowsSkippedByLastFetch() const { return m_rowsSkippedByLastFetch; }

private:
    struct Page {
        int index = 0;
        std::vector<QStringList> rows;
    };
    using Binding = std::variant<std::int64_t, double, std::string>;
    // Where a row sits in the sort order: its sort column's value (monostate when NULL) and its id.
    struct SortKey {
        std::variant<std::monostate, std::int64_t, double, std::string> value;
        std::int64_t id = 0;
    };
    struct Anchor {
        SortKey key;
        std::uint64_t lastUse = 0;
    };
    // Rows [begin, end) of the sort order whose sort column is NULL, or is not: SQLite orders NULL first, so
    // they are the first rows when ascending and the last when descending. Within a run a seek is one index
    // range (col IS NULL AND id >= ?, or (col, id) >= (?, ?)), which a condition spanning both would not be
    // (SQLite would scan with an OR, or sort).
    struct Run {
        int begin = 0;
        int end = 0;
        bool nulls = false;
    };

    void reload();
    void forgetPositions();
    bool hasColumn(const QString& name) const;
    std::string whereClause(std::vector<Binding>& bindings) const;
    // whereClause, and only rows that existed when they were counted once rows have been appended since.
    std::string shownRowsClause(std::vector<Binding>& bindings) const;
    bool grownSinceCount() const;
    std::string orderColumn() const;
    int nullRows() const;
    const Page& page(int index) const;
    void fetchRows(const Run& run, int begin, int end, std::vector<QStringList>& rows) const;
    void rememberAnchor(int row, SortKey key) const;

    TraceSource* m_source = nullptr;
    std::string m_table = "finding";
    EventFilter m_filter;
    QStringList m_columns;
    std::vector<bool> m_nullable; // per column: declared without NOT NULL (the id never is NULL)
    int m_sortColumn = 0;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    int m_rowCount = 0;
    std::int64_t m_lastId = 0;       // the table's largest id when m_rowCount was counted
    mutable bool m_grown = false;    // rows were appended since (a followed ingest)
    mutable std::list<Page> m_pages; // most recently used first
    // Depend on the table, filter and sort: forgotten when one changes.
    mutable std::optional<int> m_nullRows;   // rows whose sort column is NULL, counted when first needed
    mutable std::map<int, Anchor> m_anchors; // by row
    mutable std::uint64_t m_anchorUses = 0;
    mutable std::int64_t m_rowsSkippedByLastFetch = 0;
};

} // namespace vcm::gui

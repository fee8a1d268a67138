// The analyzer's findings as a table: severity, kind, time, explanation, errors first, then warnings, then
// info, each in time order. Rows are fetched in pages as the view scrolls (canFetchMore/fetchMore), so a
// database with many findings opens at once. Times in one column share one unit (the run's); SortRole gives
// the values a proxy sorts by (a severity's rank, times in ns).
#pragma once

#include "vcm/gui/trace_source.h"

#include <QAbstractTableModel>

#include <vector>

namespace vcm::gui {

struct FindingRow {
    std::int64_t id = 0;
    QString severity;
    QString kind;
    std::int64_t ts = 0;
    std::int64_t dur = 0;
    QString explanation;
    bool uncertain = false;
};

class FindingsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Severity, Kind, Time, Duration, Explanation, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int kPageRows = 500;

    explicit FindingsModel(QObject* parent = nullptr);
    void setSource(TraceSource* source);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    const FindingRow& finding(int row) const { return m_rows.at(static_cast<std::size_t>(row)); }
    // The row of the finding with this id among those fetched, -1 when not (yet) fetched.
    int rowOf(std::int64_t findingId) const;

private:
    TraceSource* m_source = nullptr;
    std::vector<FindingRow> m_rows;
    bool m_complete = true;
    double m_timeUnit = 1e3;
};

} // namespace vcm::gui

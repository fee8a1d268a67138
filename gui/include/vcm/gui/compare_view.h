// Comparing two runs in the window (vcm-gui A.db --compare B.db, File > Compare With...): run B's timeline under
// run A's on one shared virtual-time axis (their visible ranges move together), the findings present in one run
// only outlined on its timeline, and a Differences table (the analyzer's RunComparison, the same as
// `vcm report A --compare B`): activating a row frames both timelines there and selects the finding.
#pragma once

#include "vcm/analyzer/run_comparison.h"
#include "vcm/gui/trace_source.h"

#include <QWidget>

#include <memory>

class QLabel;
class QStandardItemModel;
class QTableView;

namespace vcm::gui {

class TimelineWidget;

class CompareView : public QWidget {
    Q_OBJECT
public:
    // Opens run B (a trace database) beside `timelineA`, which shows `sourceA`. Throws db::DatabaseError.
    CompareView(TraceSource& sourceA, TimelineWidget& timelineA, const QString& fileB, QWidget* parent = nullptr);
    ~CompareView() override;

    TraceSource& sourceB() { return *m_sourceB; }
    TimelineWidget* timelineB() const { return m_timelineB; }
    // The Differences table, for the window's panels.
    QTableView* differencesView() const { return m_view; }
    const analyzer::RunComparison& comparison() const { return m_comparison; }
    // Frames both timelines on the difference in row `row` of the table and selects its finding.
    void activateDifference(int row);

private:
    TraceSource& m_sourceA;
    TimelineWidget& m_timelineA;
    std::unique_ptr<TraceSource> m_sourceB;
    TimelineWidget* m_timelineB = nullptr;
    QLabel* m_header = nullptr;
    QStandardItemModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    analyzer::RunComparison m_comparison;
    bool m_syncing = false;
};

} // namespace vcm::gui

// Comparing two runs in the window (vcm-gui A.db --compare B.db, File > Compare With...). The window's TraceSource
// opens both runs and pairs their tracks by entity on one timeline and one virtual-time axis (track_pairing.h):
// each of A's tracks followed by B's, tagged A and B. This view is the Differences tab: the analyzer's
// RunComparison (the same as `vcm report A --compare B`) as a table, and what differs drawn where it is on the
// timeline (the findings and flushes of one run only, or of different lengths, outlined; the first divergence a
// mark). Activating a row frames the difference and selects its finding.
#pragma once

#include "vcm/analyzer/run_comparison.h"
#include "vcm/gui/trace_source.h"

#include <QWidget>

class QLabel;
class QStandardItemModel;
class QTableView;

namespace vcm::gui {

class TimelineWidget;

class CompareView : public QWidget {
    Q_OBJECT
public:
    // `source` compares two runs (TraceSource::comparing()); `timeline` shows it. Neither is kept beyond the
    // timeline: the window may re-read the source (a followed ingest) while the comparison stands.
    CompareView(TraceSource& source, TimelineWidget& timeline, QWidget* parent = nullptr);
    ~CompareView() override;

    QTableView* differencesView() const { return m_view; }
    const analyzer::RunComparison& comparison() const { return m_comparison; }
    // Frames the difference in row `row` of the table on the timeline and selects its finding (A's when both
    // runs have it).
    void activateDifference(int row);

private:
    TimelineWidget& m_timeline;
    QLabel* m_header = nullptr;
    QStandardItemModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    analyzer::RunComparison m_comparison;
};

} // namespace vcm::gui

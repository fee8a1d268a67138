// Comparing two runs in the window (vcm-gui A.db --compare B.db, File > Compare With...). The window's TraceSource
// opens both runs and pairs their tracks by entity on one timeline and one virtual-time axis (track_pairing.h):
// each of A's tracks followed by B's, tagged A and B. This view is the Differences tab: the analyzer's
// RunComparison (the same as `vcm report A --compare B`) as a table, and what differs drawn where it is on the
// timeline (the findings and flushes of one run only, or of different lengths, outlined; the first divergence a
// mark). Activating a row frames the difference and selects its finding.
#pragma once

#include "vcm/analyzer/run_comparison.h"
#include "vcm/gui/timeline_marks.h"
#include "vcm/gui/trace_source.h"

#include <QPointer>
#include <QWidget>

#include <vector>

class QLabel;
class QStandardItemModel;
class QTableView;

namespace vcm::gui {

class TimelineWidget;

class CompareView : public QWidget {
    Q_OBJECT
public:
    // `source` compares two runs (TraceSource::comparing()); `timeline` shows it. The source is not kept: the
    // window may re-read it (a followed ingest) while the comparison stands.
    CompareView(TraceSource& source, TimelineWidget& timeline, QWidget* parent = nullptr);
    // Takes what it drew off the timeline (the outlines and its divergence marks, unless renamed), so that a
    // comparison with another run, or none, does not show this one's.
    ~CompareView() override;

    QTableView* differencesView() const { return m_view; }
    const analyzer::RunComparison& comparison() const { return m_comparison; }
    // Frames the difference in row `row` of the table on the timeline and selects its finding (A's when both
    // runs have it).
    void activateDifference(int row);

private:
    QPointer<TimelineWidget> m_timeline; // the window's, which may go first when the window closes
    std::vector<TimelineMark> m_marks;   // the divergence marks it made
    QLabel* m_header = nullptr;
    QStandardItemModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    analyzer::RunComparison m_comparison;
};

} // namespace vcm::gui

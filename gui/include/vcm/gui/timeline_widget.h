// The timeline: a time ruler over collapsible groups of tracks, painted from per-pixel summaries that the
// TraceSource samples for the visible range. Navigation follows Perfetto and Trace Compass (see docs/gui.md):
//   W / S      zoom in / out by kZoomStepFactor, keeping the time under the pointer in place (centre if the
//              pointer is not over the tracks)
//   A / D      pan by kPanStepFraction of the visible width
//   Ctrl+wheel zoom (one notch = one W/S); Shift+wheel pan (one notch = one A/D); wheel scrolls the tracks
//   drag       pan; Shift+drag selects an area (time range x tracks); click selects; double-click focuses
//   . / ,      next / previous event on the track under the pointer (or of the selection)
//   M          mark the time under the pointer; Shift+M clears the marks
//   F          focus the selection (or the area); Home shows the whole run; Esc clears the selection
//   ?          lists the keys
#pragma once

#include "vcm/gui/time_range.h"
#include "vcm/gui/timeline_layout.h"
#include "vcm/gui/trace_source.h"

#include <QWidget>

#include <optional>
#include <vector>

class QScrollBar;

namespace vcm::gui {

struct TimelineSelection {
    RowRef row;
    std::int64_t ts = 0;
    std::int64_t end = 0;
    int track = -1;   // the track it was picked on, -1 when selected from a panel
};

struct AreaSelection {
    TimeRange range;
    std::vector<int> tracks;
};

class TimelineWidget : public QWidget {
    Q_OBJECT
public:
    explicit TimelineWidget(QWidget* parent = nullptr);
    ~TimelineWidget() override;

    // Not owned; nullptr shows an empty timeline. Resets the view to the whole run.
    void setSource(TraceSource* source);
    // The same run read again with more rows (a followed live ingest re-read): the visible range (clamped to
    // the new bounds), selection, area, marks, evidence outline and collapsed groups stay. New tracks may
    // have appeared, so track-indexed state is carried over by (kind, entity) and group state by name.
    // The previous source must still be alive during the call.
    void setGrownSource(TraceSource* source);
    TraceSource* source() const { return m_source; }

    TimeRange visibleRange() const { return m_range; }
    // Clamped to the run; emits rangeChanged when it changes.
    void setVisibleRange(const TimeRange& range);
    void showWholeRun();

    int plotLeft() const { return kLabelWidth; }
    int plotWidth() const;
    double xForTime(double ns) const;
    double timeForX(double x) const;

    // The track's row in widget coordinates; empty when its group is collapsed or it is scrolled out of view.
    QRect trackRect(int track) const;
    int trackAt(const QPoint& position) const;
    // The first track of that kind and entity, -1 when the trace has none.
    int findTrack(TrackKind kind, std::int64_t entity = -1) const;
    bool isGroupCollapsed(int group) const;
    // Scrolls the tracks vertically so that this track's group header is at the top.
    void scrollToTrack(int track);
    void setGroupCollapsed(int group, bool collapsed);

    // The summaries drawn for a track in the visible range (sampled on demand, cached until the range changes).
    const std::vector<TrackItem>& itemsOf(int track);

    const std::optional<TimelineSelection>& selection() const { return m_selection; }
    void setSelection(const std::optional<TimelineSelection>& selection);
    // Rows drawn with the evidence outline (the selected finding's evidence).
    void setHighlightedRows(std::vector<RowRef> rows);
    const std::optional<AreaSelection>& areaSelection() const { return m_area; }
    const std::vector<double>& marks() const { return m_marks; }

    void zoomStep(int steps, double anchorFraction);
    void panStep(double steps);
    void focusSelection();
    // Selects the next (or previous) event of the track after the selection or the given time.
    bool stepEvent(int track, bool forward, double fromTime);

    static QString keysHelp();

signals:
    void rangeChanged(vcm::gui::TimeRange range);
    void selectionChanged();
    void areaSelectionChanged();
    void keysHelpRequested();

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void relayout();
    void invalidateItems();
    int scrollOffset() const;
    double pointerFraction() const;
    std::optional<TimelineSelection> itemAt(const QPoint& position);
    void paintRuler(class QPainter& painter);
    void paintRows(QPainter& painter);
    void paintTrack(QPainter& painter, int track, const QRect& rect);
    void paintLossOverlay(QPainter& painter);
    void paintOverlays(QPainter& painter);

    TraceSource* m_source = nullptr;
    TimeRange m_range{0, 1};
    std::vector<bool> m_collapsed;
    std::vector<TimelineRow> m_rows;
    std::vector<std::optional<std::vector<TrackItem>>> m_items;
    QScrollBar* m_scrollBar = nullptr;

    std::optional<TimelineSelection> m_selection;
    std::vector<RowRef> m_highlighted;
    std::optional<AreaSelection> m_area;
    std::vector<double> m_marks;

    std::optional<QPoint> m_pointer;
    enum class Drag { None, Pan, Area };
    Drag m_drag = Drag::None;
    QPoint m_pressPosition;
    TimeRange m_pressRange;
    bool m_dragMoved = false;
};

} // namespace vcm::gui

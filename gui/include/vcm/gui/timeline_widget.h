// The timeline: a time ruler over collapsible groups of tracks, painted from per-pixel summaries that the
// TraceSource samples for the visible range. Navigation follows Perfetto and Trace Compass (see docs/gui.md):
//   W / S      zoom in / out by kZoomStepFactor, keeping the time under the pointer in place (centre if the
//              pointer is not over the tracks)
//   A / D      pan by kPanStepFraction of the visible width
//   Ctrl+wheel zoom (one notch = one W/S); Shift+wheel pan (one notch = one A/D); wheel scrolls the tracks
//   drag       pan; Shift+drag selects an area (time range x tracks); click selects; double-click focuses
//   . / ,      next / previous event on the track under the pointer (or of the selection)
//   M          mark the time under the pointer (named M1, M2, ...; listed in the Marks tab); Shift+M clears them
//   right-click a menu of what can be done at that place: mark, focus, zoom to the area, collapse, copy the time
//   F          focus the selection (or the area); Home shows the whole run; Esc clears the selection
//   ?          lists the keys
#pragma once

#include "vcm/gui/time_range.h"
#include "vcm/gui/timeline_layout.h"
#include "vcm/gui/timeline_marks.h"
#include "vcm/gui/trace_source.h"

#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QMenu;
class QScrollBar;

namespace vcm::gui {

class BackgroundTrackSampler;

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
    // The time axis the view may cover: the run's bounds (comparing two runs, up to the end of the longer one).
    TimeBounds axisBounds() const;
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
    // The first track of that kind and entity (an id of that run) in run `run` (0: A, 1: the run compared with),
    // -1 when there is none.
    int findTrack(TrackKind kind, std::int64_t entity = -1, int run = 0) const;
    bool isGroupCollapsed(int group) const;
    // Scrolls the tracks vertically so that this track's group header is at the top.
    void scrollToTrack(int track);
    void setGroupCollapsed(int group, bool collapsed);

    // The summaries of a track in the visible range, sampled now on this thread when not yet there (cached until
    // the range changes).
    const std::vector<TrackItem>& itemsOf(int track);

    // Frames that never wait for the database: tracks are sampled on a thread of their own
    // (BackgroundTrackSampler) and a frame draws the newest items each track has, repainting as results come in.
    // On in the interactive window; off by default, so that a frame rendered offscreen is complete.
    void setBackgroundSampling(bool on);
    bool backgroundSampling() const { return m_backgroundSampling; }
    // Samples every track on screen now (before an export or a screenshot).
    void sampleVisibleNow();
    // Whether every track on screen has its items for the current range (false while results are due).
    bool visibleItemsComplete() const;

    const std::optional<TimelineSelection>& selection() const { return m_selection; }
    void setSelection(const std::optional<TimelineSelection>& selection);
    // Rows drawn with the evidence outline (the selected finding's evidence).
    void setHighlightedRows(std::vector<RowRef> rows);
    const std::vector<RowRef>& highlightedRows() const { return m_highlighted; }
    const std::optional<AreaSelection>& areaSelection() const { return m_area; }
    // The marks, in time order.
    const std::vector<TimelineMark>& marks() const { return m_marks.all(); }
    void addMark(double time);
    // Adds a mark and returns its index in marks().
    std::size_t addMarkAt(double time);
    void renameMark(std::size_t index, const QString& name);
    void removeMark(std::size_t index);
    void clearMarks();

    // The context menu of `position` (widget coordinates), owned by the caller: what can be done there.
    std::unique_ptr<QMenu> createContextMenu(const QPoint& position);

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
    void marksChanged();
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
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    void relayout();
    void invalidateItems();
    // The tracks whose rows are on screen, and the data-loss track (its hatching covers every track).
    std::vector<int> visibleTracks() const;
    // What a frame draws for the track: its items for the current range, else (sampling in the background)
    // the newest it received while the current ones are requested.
    const std::vector<TrackItem>& itemsToDraw(int track);
    void requestVisible();
    void acceptSampled(std::uint64_t generation, int track, std::vector<TrackItem> items);
    void restartBackgroundSampler();
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
    std::vector<std::optional<std::vector<TrackItem>>> m_items; // for m_range, by track
    std::uint64_t m_generation = 1;       // bumped whenever m_items is invalidated
    std::vector<bool> m_requested;        // asked of the background sampler for m_generation, by track
    std::vector<std::vector<TrackItem>> m_drawn; // the newest items each track received, whatever their range
    bool m_backgroundSampling = false;
    std::unique_ptr<BackgroundTrackSampler> m_background;
    QScrollBar* m_scrollBar = nullptr;

    std::optional<TimelineSelection> m_selection;
    std::vector<RowRef> m_highlighted;
    std::optional<AreaSelection> m_area;
    TimelineMarks m_marks;

    std::optional<QPoint> m_pointer;
    enum class Drag { None, Pan, Area };
    Drag m_drag = Drag::None;
    QPoint m_pressPosition;
    TimeRange m_pressRange;
    bool m_dragMoved = false;
};

} // namespace vcm::gui

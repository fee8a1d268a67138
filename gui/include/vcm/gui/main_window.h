// The vcm main window: the timeline above, the findings / events / area panels below, the details of the
// selection on the right. Opens a trace database, or ingests a trace directory or live URL first.
#pragma once

#include "vcm/gui/timeline_palette.h"
#include "vcm/gui/trace_source.h"

#include <QMainWindow>

#include <memory>
#include <optional>

class QLabel;
class QMenu;
class QAction;
class QProgressBar;
class QTimer;
class QTableView;
class QDockWidget;
class QTabWidget;
class QSortFilterProxyModel;
class QLineEdit;

namespace vcm::gui {

class AreaStatisticsPanel;
class DetailsPanel;
class LegendPanel;
class MarksPanel;
class CompareView;
class EventTablePanel;
class FindingsModel;
class IngestJob;
class TimelineWidget;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // What the status bar says about the open trace ("No trace open" until one is loaded).
    QString statusText() const;

    // A database file opens at once; a directory is ingested in the background first. A net:// URL is
    // followed: ingested in place (IngestOptions::follow), opened as soon as its run row is committed, then
    // re-read every followIntervalMs until the ingest is complete.
    void openSource(const QString& source);
    // Whether a live ingest is being followed (the refresh timer runs).
    bool isFollowing() const;
    // View > Follow head: while following, the visible range ends at the newest time.
    QAction* followHeadAction() const { return m_followHead; }
    // Light or dark (View > Dark Theme, remembered between sessions; vcm-gui --theme).
    void setTheme(palette::Theme theme);
    // The theme last chosen in View > Dark Theme, if any.
    static std::optional<palette::Theme> rememberedTheme();
    QAction* darkThemeAction() const { return m_darkTheme; }
    static constexpr int followIntervalMs = 500;
    // Returns false (and shows why in the status bar) when the file is not a trace database.
    bool openDatabase(const QString& file);
    // Compares the open run (A) with a second one (B: a database or trace directory): their tracks paired on one
    // timeline and one axis, each of A's followed by B's, and a Differences tab (File > Compare With...,
    // vcm-gui A --compare B). False (and why in the status bar) without a run open or when B cannot be read; A
    // stays as it was.
    bool compareWith(const QString& file);
    // Back to run A alone (File > Stop Comparing); the view stays where it is.
    void stopComparing();
    CompareView* compareView() const { return m_compare; }
    IngestJob* ingestJob() const { return m_ingest; }

    TimelineWidget* timeline() const { return m_timeline; }
    FindingsModel* findings() const { return m_findings; }
    QTableView* findingsView() const { return m_findingsView; }
    // What the findings view shows: the model sorted and filtered (rows map to findings() rows through it).
    QSortFilterProxyModel* findingsProxy() const { return m_findingsProxy; }
    QLineEdit* findingsFilter() const { return m_findingsFilter; }
    DetailsPanel* details() const { return m_details; }
    LegendPanel* legend() const { return m_legend; }
    EventTablePanel* events() const { return m_events; }
    AreaStatisticsPanel* areaStatistics() const { return m_area; }
    MarksPanel* marks() const { return m_marks; }
    TraceSource* source() const { return m_source.get(); }

    // Zooms the timeline to the finding's range and its evidence, selects it and outlines its evidence.
    void activateFinding(int row);
    // The findings list's context menu for the finding in row `row` of findings(), owned by the caller.
    std::unique_ptr<QMenu> createFindingMenu(int row);
    // Selects a row of an event table on the timeline and frames it.
    void showRow(const RowRef& row);
    // Frames [from, to] with a margin on each side (a stale read and the write it missed).
    void showSpan(double from, double to);

    bool exportPng(const QString& file);
    // SVG: vector graphics through Qt SVG (svg_export.h).
    bool exportSvg(const QString& file);

    static QStringList recentFiles();

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void rememberRecent(const QString& file);
    void refreshRecentMenu();
    void setStatus(const QString& text);
    void showKeys();
    // How a newly read source relates to the one shown.
    enum class SourceChange {
        Opened,   // another trace: the view starts over with the whole run
        Grown,    // the followed database re-read: the view stays (TimelineWidget::setGrownSource)
        GrownToHead, // the same, and the visible range moves to the newest time (View > Follow head)
        Paired,   // the same run with a run to compare added or dropped: the view stays
    };
    // Puts a new TraceSource of `file` (paired with m_comparedFile when comparing) in every widget (false, with the
    // reason in the status bar, when it cannot be opened).
    bool installSource(const QString& file, SourceChange change);
    // The refresh timer's tick while following: opens the database once it has a run row, re-reads it after.
    void followTick();
    void stopFollowing();

    std::unique_ptr<TraceSource> m_source;
    TimelineWidget* m_timeline = nullptr;
    FindingsModel* m_findings = nullptr;
    QTableView* m_findingsView = nullptr;
    DetailsPanel* m_details = nullptr;
    LegendPanel* m_legend = nullptr;
    CompareView* m_compare = nullptr;
    QString m_comparedFile; // run B's database while comparing
    QSortFilterProxyModel* m_findingsProxy = nullptr;
    QLineEdit* m_findingsFilter = nullptr;
    QTabWidget* m_tabs = nullptr;
    QDockWidget* m_legendDock = nullptr;
    EventTablePanel* m_events = nullptr;
    AreaStatisticsPanel* m_area = nullptr;
    MarksPanel* m_marks = nullptr;
    IngestJob* m_ingest = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_rangeLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QMenu* m_recentMenu = nullptr;
    QTimer* m_followTimer = nullptr;
    QAction* m_followHead = nullptr;
    QAction* m_darkTheme = nullptr;
    QString m_followed; // the database of the live ingest being followed
};

} // namespace vcm::gui

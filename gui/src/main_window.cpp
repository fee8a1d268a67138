#include "vcm/gui/main_window.h"

#include "vcm/gui/compare_view.h"
#include "vcm/gui/legend_panel.h"
#include "vcm/gui/marks_panel.h"
#include "vcm/gui/svg_export.h"

#include "vcm/analyzer/ingest.h"
#include "vcm/analyzer/kvm_trace_reader.h"
#include "vcm/db/database.h"
#include "vcm/gui/application_theme.h"
#include "vcm/gui/area_statistics_panel.h"
#include "vcm/gui/details_panel.h"
#include "vcm/gui/event_table_panel.h"
#include "vcm/gui/findings_model.h"
#include "vcm/gui/ingest_job.h"
#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_widget.h"

#include <QApplication>
#include <QBuffer>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QClipboard>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QVBoxLayout>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <exception>

namespace vcm::gui {

namespace {

constexpr int kRecentFiles = 8;
constexpr double kFindingMargin = 0.05; // a finding's range is framed with 5% of its width on each side
constexpr int kLegendMinimumWidth = 250;

QSettings settings()
{
    return QSettings(QStringLiteral("vcm"), QStringLiteral("vcm-gui"));
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("vcm"));
    resize(1280, 800);
    setAcceptDrops(true);

    m_timeline = new TimelineWidget(this);
    m_timeline->setBackgroundSampling(true); // interactive: frames never wait for the database
    m_findings = new FindingsModel(this);
    // Sortable (click a header; severity by rank, times by value) and filterable (any column's text), errors
    // first until the user sorts.
    m_findingsProxy = new QSortFilterProxyModel(this);
    m_findingsProxy->setSourceModel(m_findings);
    m_findingsProxy->setSortRole(FindingsModel::SortRole);
    m_findingsProxy->setFilterKeyColumn(-1);
    m_findingsProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_findingsView = new QTableView(this);
    m_findingsView->setObjectName(QStringLiteral("findings"));
    m_findingsView->setModel(m_findingsProxy);
    m_findingsView->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_findingsView->setSortingEnabled(true);
    m_findingsFilter = new QLineEdit(this);
    m_findingsFilter->setObjectName(QStringLiteral("findingsFilter"));
    m_findingsFilter->setPlaceholderText(tr("Filter findings: severity, kind or any text of the explanation"));
    m_findingsFilter->setClearButtonEnabled(true);
    connect(m_findingsFilter, &QLineEdit::textChanged, m_findingsProxy, &QSortFilterProxyModel::setFilterFixedString);
    auto* findingsPage = new QWidget(this);
    auto* findingsLayout = new QVBoxLayout(findingsPage);
    findingsLayout->setContentsMargins(0, 0, 0, 0);
    findingsLayout->setSpacing(2);
    findingsLayout->addWidget(m_findingsFilter);
    m_findingsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_findingsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_findingsView->verticalHeader()->setDefaultSectionSize(20);
    m_findingsView->horizontalHeader()->setStretchLastSection(true);
    m_details = new DetailsPanel(this);
    m_events = new EventTablePanel(this);
    m_area = new AreaStatisticsPanel(this);
    m_marks = new MarksPanel(m_timeline, this);

    auto* tabs = new QTabWidget(this);
    m_tabs = tabs;
    tabs->setObjectName(QStringLiteral("panels"));
    findingsLayout->addWidget(m_findingsView);
    tabs->addTab(findingsPage, tr("Findings"));
    tabs->addTab(m_events, tr("Events"));
    tabs->addTab(m_area, tr("Area"));
    tabs->addTab(m_marks, tr("Marks"));
    auto* bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(tabs);
    bottom->addWidget(m_details);
    // Details and the tabs share the bottom evenly: a finding's explanation and evidence need the width (issue 19:
    // sized by its hint the panel was a fifth of the window), and it never gets too narrow to read.
    m_details->setMinimumWidth(320);
    bottom->setStretchFactor(0, 1);
    bottom->setStretchFactor(1, 1);
    bottom->setSizes({1000, 1000});
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_timeline);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    setCentralWidget(split);

    // What each colour means, beside the timeline (issue 19: red meant four things, nothing said which).
    m_legend = new LegendPanel(this);
    m_legendDock = new QDockWidget(tr("Legend"), this);
    m_legendDock->setObjectName(QStringLiteral("legendDock"));
    // Wide enough that a meaning fits on a line or two: a wide Differences table would otherwise squeeze it to a
    // word a line, and cut its end off the bottom.
    m_legend->setMinimumWidth(kLegendMinimumWidth);
    m_legendDock->setWidget(m_legend);
    m_legendDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::RightDockWidgetArea, m_legendDock);

    m_status = new QLabel(tr("No trace open"), this);
    m_rangeLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0); // events to come are unknown: a busy indicator with the count as text
    m_progress->setTextVisible(true);
    m_progress->setMaximumWidth(260);
    m_progress->hide();
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_rangeLabel);

    m_ingest = new IngestJob(this);
    connect(m_ingest, &IngestJob::progress, this, [this](quint64 events) {
        m_progress->setFormat(tr("%1 events").arg(events));
        setStatus(tr("Ingesting: %1 events read").arg(events));
    });
    m_followTimer = new QTimer(this);
    m_followTimer->setInterval(followIntervalMs);
    connect(m_followTimer, &QTimer::timeout, this, &MainWindow::followTick);
    connect(m_ingest, &IngestJob::succeeded, this, [this](const QString& database, quint64 events, quint64 lost) {
        m_progress->hide();
        const bool followed = isFollowing() && database == m_followed && m_source != nullptr &&
                              m_source->file() == database.toStdString();
        const bool toHead = followed && m_followHead->isChecked();
        if (isFollowing())
            stopFollowing();
        // A followed database is complete now: re-read once more (findings, final run row), keeping the view
        // and, with Follow head, moving it to the end of the run.
        const SourceChange change = !followed ? SourceChange::Opened
                                    : toHead  ? SourceChange::GrownToHead
                                              : SourceChange::Grown;
        if (installSource(database, change))
            setStatus(statusText() + tr(" (ingested %1 events, %2 lost)").arg(events).arg(lost));
    });
    connect(m_ingest, &IngestJob::failed, this, [this](const QString& message) {
        m_progress->hide();
        stopFollowing();
        setStatus(tr("Ingest failed: %1").arg(message));
    });

    connect(m_timeline, &TimelineWidget::rangeChanged, this, [this](TimeRange range) {
        m_rangeLabel->setText(tr("%1 .. %2 (%3)").arg(formatTime(range.start), formatTime(range.end), formatDuration(range.width())));
    });
    connect(m_timeline, &TimelineWidget::selectionChanged, this, [this] {
        const auto& selection = m_timeline->selection();
        m_details->showRow(selection ? std::optional<RowRef>(selection->row) : std::nullopt);
    });
    connect(m_timeline, &TimelineWidget::areaSelectionChanged, this,
            [this] { m_area->showArea(m_source.get(), m_timeline->areaSelection()); });
    connect(m_timeline, &TimelineWidget::keysHelpRequested, this, &MainWindow::showKeys);
    connect(m_findingsView, &QTableView::activated, this,
            [this](const QModelIndex& index) { activateFinding(m_findingsProxy->mapToSource(index).row()); });
    m_findingsView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_findingsView, &QWidget::customContextMenuRequested, this, [this](const QPoint& position) {
        const QModelIndex index = m_findingsView->indexAt(position);
        if (!index.isValid())
            return;
        const std::unique_ptr<QMenu> menu = createFindingMenu(m_findingsProxy->mapToSource(index).row());
        menu->exec(m_findingsView->viewport()->mapToGlobal(position));
    });
    connect(m_details, &DetailsPanel::rowLinkActivated, this, &MainWindow::showRow);
    connect(m_details, &DetailsPanel::timeLinkActivated, this,
            [this](qint64 from, qint64 to) { showSpan(static_cast<double>(from), static_cast<double>(to)); });
    connect(m_events, &EventTablePanel::rowActivated, this, &MainWindow::showRow);

    buildMenus();
}

std::optional<palette::Theme> MainWindow::rememberedTheme()
{
    return parseTheme(settings().value(QStringLiteral("theme")).toString());
}

MainWindow::~MainWindow()
{
    m_ingest->wait();
    // The widgets hold plain pointers to the source: detach them before it goes.
    m_timeline->setSource(nullptr);
}

void MainWindow::buildMenus()
{
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->setObjectName(QStringLiteral("fileMenu"));
    fileMenu->addAction(tr("&Open Database..."), QKeySequence::Open, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Open trace database"), {},
            tr("Trace databases (*.db);;Real KVM's trace-cmd files (*.dat);;All files (*)"));
        if (!file.isEmpty())
            openSource(file);
    });
    fileMenu->addAction(tr("Open Trace &Directory..."), this, [this] {
        const QString directory = QFileDialog::getExistingDirectory(this, tr("Open trace directory"));
        if (!directory.isEmpty())
            openSource(directory);
    });
    fileMenu->addAction(tr("Open &Live URL..."), this, [this] {
        const QString url = QInputDialog::getText(this, tr("Open live session"), tr("net:// URL of the live session"));
        if (!url.isEmpty())
            openSource(url);
    });
    fileMenu->addAction(tr("&Compare With..."), this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Compare with a second run (B)"), {},
                                                          tr("Trace databases (*.db);;All files (*)"));
        if (!file.isEmpty())
            compareWith(file);
    });
    fileMenu->addAction(tr("Stop Comparing"), this, &MainWindow::stopComparing);
    m_recentMenu = fileMenu->addMenu(tr("&Recent Files"));
    refreshRecentMenu();
    fileMenu->addSeparator();
    fileMenu->addAction(tr("Export &PNG..."), this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export PNG"), {}, tr("PNG images (*.png)"));
        if (!file.isEmpty())
            exportPng(file);
    });
    fileMenu->addAction(tr("Export &SVG..."), this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export SVG"), {}, tr("SVG images (*.svg)"));
        if (!file.isEmpty())
            exportSvg(file);
    });
    fileMenu->addSeparator();
    QAction* quit = fileMenu->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(tr("&Whole Run"), m_timeline, &TimelineWidget::showWholeRun);
    viewMenu->addAction(tr("&Focus Selection"), m_timeline, &TimelineWidget::focusSelection);
    m_followHead = viewMenu->addAction(tr("Follow &Head"));
    m_followHead->setObjectName(QStringLiteral("followHead"));
    m_followHead->setCheckable(true);
    m_followHead->setChecked(true);
    m_followHead->setEnabled(false); // while following only
    QAction* legend = m_legendDock->toggleViewAction();
    legend->setText(tr("&Legend"));
    viewMenu->addAction(legend);
    m_darkTheme = viewMenu->addAction(tr("&Dark Theme"));
    m_darkTheme->setObjectName(QStringLiteral("darkTheme"));
    m_darkTheme->setCheckable(true);
    m_darkTheme->setChecked(palette::theme() == palette::Theme::Dark);
    connect(m_darkTheme, &QAction::toggled, this, [this](bool dark) {
        setTheme(dark ? palette::Theme::Dark : palette::Theme::Light);
        settings().setValue(QStringLiteral("theme"), themeName(palette::theme()));
    });
    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&Keys"), this, &MainWindow::showKeys);
}

void MainWindow::setTheme(palette::Theme theme)
{
    applyApplicationTheme(theme);
    m_legend->refreshColours();
    if (m_darkTheme != nullptr && m_darkTheme->isChecked() != (theme == palette::Theme::Dark)) {
        const QSignalBlocker quiet(m_darkTheme);
        m_darkTheme->setChecked(theme == palette::Theme::Dark);
    }
    m_timeline->update();
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

void MainWindow::setStatus(const QString& text)
{
    m_status->setText(text);
}

void MainWindow::openSource(const QString& source)
{
    const QFileInfo info(source);
    stopFollowing();
    if (analyzer::isLiveUrl(source.toStdString())) {
        m_followed = IngestJob::databaseFor(source);
        m_progress->setFormat(tr("following"));
        m_progress->show();
        setStatus(tr("Following %1 into %2").arg(source, m_followed));
        m_followHead->setEnabled(true);
        m_followHead->setChecked(true);
        m_ingest->start(source, m_followed, true);
        m_followTimer->start();
        return;
    }
    if (info.isDir() || analyzer::isTraceCmdFile(source.toStdString())) {
        const QString database = IngestJob::databaseFor(source);
        m_progress->setFormat(tr("ingesting"));
        m_progress->show();
        setStatus(tr("Ingesting %1 into %2").arg(source, database));
        m_ingest->start(source, database);
        return;
    }
    openDatabase(source);
}

bool MainWindow::isFollowing() const
{
    return m_followTimer->isActive();
}

void MainWindow::stopFollowing()
{
    m_followTimer->stop();
    m_followHead->setEnabled(false);
}

void MainWindow::followTick()
{
    // Until the ingest has committed its first run row (and marked the file as its own with ingest_state),
    // there is nothing to show: a file left at that path by an earlier ingest must not be taken for it.
    try {
        db::Database probe(m_followed.toStdString(), db::Database::Mode::ReadOnly);
        if (probe.scalar("SELECT count(*) FROM meta WHERE key = 'ingest_state'") == 0 ||
            probe.scalar("SELECT count(*) FROM run") == 0)
            return;
    } catch (const db::DatabaseError&) {
        return; // not created yet, or its schema not committed yet
    }
    if (m_source == nullptr || m_source->file() != m_followed.toStdString())
        installSource(m_followed, SourceChange::Opened);
    else
        installSource(m_followed, m_followHead->isChecked() ? SourceChange::GrownToHead : SourceChange::Grown);
}

bool MainWindow::openDatabase(const QString& file)
{
    return installSource(file, SourceChange::Opened);
}

bool MainWindow::compareWith(const QString& file)
{
    if (!m_source) {
        setStatus(tr("Open a run first (A), then compare it with another (B)"));
        return false;
    }
    QString database;
    try {
        // A trace directory is ingested first, here and now (the comparison needs its findings).
        database = QFileInfo(file).isDir() || analyzer::isTraceCmdFile(file.toStdString()) ? IngestJob::ingestNow(file)
                                                                                            : file;
    } catch (const std::exception& error) {
        setStatus(tr("Cannot compare with %1: %2").arg(file, QString::fromUtf8(error.what())));
        return false;
    }
    const QString previous = m_comparedFile;
    m_comparedFile = database;
    if (!installSource(QString::fromStdString(m_source->file(0).string()), SourceChange::Paired)) {
        // The source shown is untouched (and so is a comparison before this one).
        m_comparedFile = previous;
        return false;
    }
    delete m_compare; // takes its outlines and marks off the timeline
    m_compare = nullptr;
    try {
        m_compare = new CompareView(*m_source, *m_timeline, this);
    } catch (const std::exception& error) {
        setStatus(tr("Cannot compare with %1: %2").arg(file, QString::fromUtf8(error.what())));
        stopComparing();
        return false;
    }
    const int tab = m_tabs->addTab(m_compare, tr("Differences (%1)").arg(m_compare->differencesView()->model()->rowCount()));
    m_tabs->setCurrentIndex(tab);
    m_compare->differencesView()->resizeColumnsToContents();
    setStatus(tr("Comparing with %1: B's tracks under A's, pair by pair").arg(QFileInfo(file).fileName()));
    return true;
}

void MainWindow::stopComparing()
{
    if (m_comparedFile.isEmpty() || !m_source)
        return;
    delete m_compare; // takes its outlines and marks off the timeline
    m_compare = nullptr;
    m_comparedFile.clear();
    installSource(QString::fromStdString(m_source->file(0).string()), SourceChange::Paired);
}

bool MainWindow::installSource(const QString& file, SourceChange change)
{
    if (change == SourceChange::Opened) {
        // Another run A: its comparison with B no longer holds.
        delete m_compare;
        m_compare = nullptr;
        m_comparedFile.clear();
    }
    std::unique_ptr<TraceSource> source;
    try {
        source = std::make_unique<TraceSource>(file.toStdString(),
                                               m_comparedFile.isEmpty()
                                                   ? std::nullopt
                                                   : std::optional<std::filesystem::path>(m_comparedFile.toStdString()));
    } catch (const std::exception& error) {
        setStatus(tr("Cannot open %1: %2").arg(file, QString::fromUtf8(error.what())));
        return false;
    }
    const bool grown = change != SourceChange::Opened && m_source != nullptr;
    const TimeRange previousRange = m_timeline->visibleRange();
    const double previousEnd = m_source ? m_source->bounds().end : 0;
    if (grown) {
        // The old source stays alive until every widget holds the new one: the timeline carries its state over.
        m_timeline->setGrownSource(source.get());
    } else {
        m_timeline->setSource(nullptr);
    }
    m_findings->setSource(nullptr);
    m_events->setSource(nullptr);
    m_details->setSource(nullptr);
    m_source = std::move(source);
    if (!grown)
        m_timeline->setSource(m_source.get());
    m_findings->setSource(m_source.get());
    m_events->setSource(m_source.get());
    m_details->setSource(m_source.get());
    if (grown) {
        if (const auto& selection = m_timeline->selection())
            m_details->showRow(selection->row);
        m_area->showArea(m_source.get(), m_timeline->areaSelection());
    } else {
        m_area->showArea(nullptr, std::nullopt);
    }
    m_findingsView->resizeColumnsToContents();
    // Comparing, the timeline shows both runs but these tabs list run A's rows: their titles say so.
    const QString ofRun = m_source->comparing() ? tr(" (A)") : QString();
    m_tabs->setTabText(m_tabs->indexOf(m_findingsView->parentWidget()), tr("Findings") + ofRun);
    m_tabs->setTabText(m_tabs->indexOf(m_events), tr("Events") + ofRun);
    const double newest = m_source->bounds().end;
    if (change == SourceChange::GrownToHead && newest > previousEnd) {
        // Follow head: the end moves to the newest time; a view of the whole run stays whole, a zoomed one
        // keeps its width.
        m_timeline->setVisibleRange(previousRange.start <= m_source->bounds().start
                                        ? TimeRange{m_source->bounds().start, newest}
                                        : TimeRange{newest - previousRange.width(), newest});
    }
    const RunFacts& facts = m_source->facts();
    setWindowTitle(QStringLiteral("vcm - %1").arg(QFileInfo(file).fileName()));
    setStatus(tr("%1: %2 under %3, %4%5%6")
                  .arg(QFileInfo(file).fileName(), facts.scenario, facts.policy, formatDuration(static_cast<double>(facts.endTs)),
                       isFollowing() ? tr(" (following)") : facts.complete ? QString() : tr(" (incomplete run)"),
                       facts.hasOracle ? QString()
                                       : tr("; a hardware trace: no coherence oracle, so stale data is unknown, not absent")));
    if (change == SourceChange::Opened)
        rememberRecent(QFileInfo(file).absoluteFilePath());
    return true;
}

void MainWindow::showSpan(double from, double to)
{
    const double margin = std::max((to - from) * 0.1, 100.0);
    m_timeline->setVisibleRange({from - margin, to + margin});
}

void MainWindow::activateFinding(int row)
{
    if (!m_source || row < 0 || row >= m_findings->rowCount())
        return;
    const FindingRow& finding = m_findings->finding(row);
    auto start = static_cast<double>(finding.ts);
    auto end = static_cast<double>(finding.ts + finding.dur);
    std::vector<RowRef> evidenceRows;
    for (const EvidenceRow& evidence : m_source->evidence(finding.id)) {
        evidenceRows.push_back(evidence.row);
        if (evidence.time) {
            start = std::min(start, static_cast<double>(evidence.time->first));
            end = std::max(end, static_cast<double>(evidence.time->second));
        }
        // Cause and effect together: a stale read's finding is framed from the write its subject missed (a
        // clobber's, from the write it destroyed), which can lie well before the reads.
        if (evidence.role == QLatin1String("subject"))
            if (const auto write = m_source->writeBehind(evidence.row))
                start = std::min(start, static_cast<double>(write->ts));
    }
    m_timeline->setVisibleRange(framing(start, end, kFindingMargin));
    m_timeline->setHighlightedRows(std::move(evidenceRows));
    m_timeline->setSelection(TimelineSelection{{"finding", finding.id}, finding.ts, finding.ts + finding.dur, -1});
    const QModelIndex shown = m_findingsProxy->mapFromSource(m_findings->index(row, 0));
    if (shown.isValid())
        m_findingsView->selectRow(shown.row());
}

std::unique_ptr<QMenu> MainWindow::createFindingMenu(int row)
{
    auto menu = std::make_unique<QMenu>(this);
    menu->setObjectName(QStringLiteral("findingContextMenu"));
    if (row < 0 || row >= m_findings->rowCount())
        return menu;
    const FindingRow& finding = m_findings->finding(row);
    menu->addAction(tr("Show on the timeline, with its cause"), this, [this, row] { activateFinding(row); });
    menu->addAction(tr("Mark its start (%1)").arg(formatTime(static_cast<double>(finding.ts))), this,
                    [this, ts = finding.ts] { m_timeline->addMark(static_cast<double>(ts)); });
    menu->addAction(tr("Show only %1 findings").arg(finding.kind), this,
                    [this, kind = finding.kind] { m_findingsFilter->setText(kind); });
    menu->addSeparator();
    menu->addAction(tr("Copy the explanation"), this,
                    [text = finding.explanation] { QApplication::clipboard()->setText(text); });
    return menu;
}

void MainWindow::showRow(const RowRef& row)
{
    if (!m_source)
        return;
    if (row.table == "finding" && row.run == 0) {
        const int findingRow = m_findings->rowOf(row.id);
        if (findingRow >= 0) {
            activateFinding(findingRow);
            return;
        }
    }
    const auto time = m_source->rowTime(row);
    if (!time) {
        m_details->showRow(row);
        return;
    }
    m_timeline->setSelection(TimelineSelection{row, time->first, time->second, -1});
    m_timeline->focusSelection();
}

bool MainWindow::exportPng(const QString& file)
{
    m_timeline->sampleVisibleNow(); // an export is complete, not what the last frame had
    const bool saved = m_timeline->grab().save(file, "PNG");
    setStatus(saved ? tr("Exported %1").arg(file) : tr("Could not write %1").arg(file));
    return saved;
}

bool MainWindow::exportSvg(const QString& file)
{
    m_timeline->sampleVisibleNow();
    const QString title = m_source ? QStringLiteral("vcm timeline %1").arg(
                                         QString::fromStdString(m_source->file().filename().string()))
                                   : QStringLiteral("vcm timeline");
    const bool saved = writeWidgetSvg(*m_timeline, file, title);
    setStatus(saved ? tr("Exported %1").arg(file) : tr("Could not write %1").arg(file));
    return saved;
}

QStringList MainWindow::recentFiles()
{
    return settings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::rememberRecent(const QString& file)
{
    QStringList files = recentFiles();
    files.removeAll(file);
    files.prepend(file);
    while (files.size() > kRecentFiles)
        files.removeLast();
    settings().setValue(QStringLiteral("recentFiles"), files);
    refreshRecentMenu();
}

void MainWindow::refreshRecentMenu()
{
    m_recentMenu->clear();
    for (const QString& file : recentFiles())
        m_recentMenu->addAction(file, this, [this, file] { openSource(file); });
    m_recentMenu->setEnabled(!m_recentMenu->actions().isEmpty());
}

void MainWindow::showKeys()
{
    auto* box = new QMessageBox(QMessageBox::Information, tr("Timeline keys"), TimelineWidget::keysHelp(), QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("keysHelp"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty())
        return;
    openSource(urls.first().isLocalFile() ? urls.first().toLocalFile() : urls.first().toString());
    event->acceptProposedAction();
}

} // namespace vcm::gui

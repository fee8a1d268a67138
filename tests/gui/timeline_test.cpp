// The timeline on databases recorded from shipped scenarios through the real pipeline: which tracks exist,
// how many flush slices and stale-data windows are in view, the exact W/S/A/D steps, finding activation,
// next/previous event, the event table's paging, background ingest and the screenshot pixels.
#include "gui_test_support.h"

#include "vcm/gui/details_panel.h"
#include "vcm/gui/event_table_model.h"
#include "vcm/gui/event_table_panel.h"
#include "vcm/gui/findings_model.h"
#include "vcm/gui/ingest_job.h"
#include "vcm/gui/legend_panel.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/offscreen_render.h"
#include "vcm/gui/timeline_palette.h"
#include "vcm/gui/timeline_widget.h"

#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>
#include <QWheelEvent>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

extern char** environ;
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

namespace vcm::gui {
namespace {

using test::application;
using test::tracedDatabase;

std::int64_t scalar(TraceSource& source, const std::string& sql)
{
    return source.database().scalar(sql);
}

std::set<QString> groupNames(const TraceSource& source)
{
    std::set<QString> names;
    for (const TrackGroup& group : source.groups())
        names.insert(group.name);
    return names;
}

int countTracks(const TraceSource& source, TrackKind kind)
{
    int count = 0;
    for (const TrackInfo& track : source.tracks())
        count += track.kind == kind ? 1 : 0;
    return count;
}

TEST(Timeline, Seed004NativeHasCoreVcpuAndPerPageStaleWindowTracks)
{
    application();
    TraceSource source(tracedDatabase("seed004-bootloader-setway", "native"));
    // d1v0 is pinned to core 0: cores 1-3 ran nothing and have no group (they had empty vCPU tracks).
    EXPECT_EQ(groupNames(source), (std::set<QString>{QStringLiteral("Trace"), QStringLiteral("core 0"),
                                                     QStringLiteral("vCPU d1v0"), QStringLiteral("memory")}));
    // One findings track per severity present, errors first: 8 stale-read errors, 10 warnings, no info.
    EXPECT_EQ(countTracks(source, TrackKind::Findings), 2);
    EXPECT_EQ(source.tracks().at(0).kind, TrackKind::Findings);
    EXPECT_EQ(source.tracks().at(0).entity, 2) << "errors come first";
    EXPECT_EQ(source.tracks().at(1).entity, 1);
    EXPECT_EQ(countTracks(source, TrackKind::CoreVcpu), 1);
    EXPECT_EQ(countTracks(source, TrackKind::VcpuSctlr), 1);
    EXPECT_EQ(countTracks(source, TrackKind::VcpuMarkers), 1);
    // 8 pages went stale: one track each (up to kMaximumPageTracks).
    EXPECT_EQ(countTracks(source, TrackKind::StaleWindows), 8);
    EXPECT_EQ(countTracks(source, TrackKind::StaleReads), 1);
    EXPECT_EQ(countTracks(source, TrackKind::VmFlushes), 0);
    EXPECT_EQ(countTracks(source, TrackKind::CoreHypervisor), 0);
    EXPECT_EQ(countTracks(source, TrackKind::DataLoss), 0);
}

TEST(Timeline, StaleWindowsInViewMatchTheDatabase)
{
    application();
    TraceSource source(tracedDatabase("seed004-bootloader-setway", "native"));
    TimelineWidget timeline;
    timeline.resize(1600, 900);
    timeline.setSource(&source);
    int windows = 0;
    for (std::size_t track = 0; track < source.tracks().size(); ++track) {
        if (source.tracks()[track].kind != TrackKind::StaleWindows)
            continue;
        const auto& items = timeline.itemsOf(static_cast<int>(track));
        ASSERT_EQ(items.size(), 1u) << source.tracks()[track].name.toStdString();
        windows += items.front().rows;
    }
    EXPECT_EQ(windows, scalar(source, "SELECT count(*) FROM stale_window"));
    EXPECT_EQ(windows, 8);
    // Zoomed before the first window opens: none in view.
    const auto firstOpen = static_cast<double>(scalar(source, "SELECT min(ts) FROM stale_window"));
    timeline.setVisibleRange({0, firstOpen - 1000});
    for (std::size_t track = 0; track < source.tracks().size(); ++track) {
        if (source.tracks()[track].kind == TrackKind::StaleWindows) {
            EXPECT_TRUE(timeline.itemsOf(static_cast<int>(track)).empty());
        }
    }
}

TEST(Timeline, StormUnderKvmShowsTwoFlushesOf16LinkedLongSegments)
{
    application();
    TraceSource source(tracedDatabase("storm-16g", "kvm"));
    TimelineWidget timeline;
    timeline.resize(1600, 900);
    timeline.setSource(&source);
    const int flushes = timeline.findTrack(TrackKind::VmFlushes, 0);
    const int segments = timeline.findTrack(TrackKind::VmSegments, 0);
    const int hypervisor = timeline.findTrack(TrackKind::CoreHypervisor, 1);
    ASSERT_GE(flushes, 0);
    ASSERT_GE(segments, 0);
    ASSERT_GE(hypervisor, 0);
    EXPECT_EQ(timeline.findTrack(TrackKind::CoreHypervisor, 0), -1);
    EXPECT_EQ(timeline.itemsOf(flushes).size(), 2u);
    EXPECT_EQ(scalar(source, "SELECT count(*) FROM flush"), 2);
    // Whole run at 1588 px: each 72 ms segment is ~47 px wide, so every segment is its own item.
    const auto& items = timeline.itemsOf(segments);
    ASSERT_EQ(items.size(), 32u);
    std::set<std::int64_t> links;
    for (const TrackItem& item : items) {
        EXPECT_EQ(item.rows, 1);
        EXPECT_EQ(item.style, 1) << "unpreempted delay over 1 ms: warning colour";
        links.insert(item.link);
    }
    EXPECT_EQ(links.size(), 2u) << "segments linked by their flush";
    EXPECT_EQ(timeline.itemsOf(hypervisor).size(), 32u);
}

TEST(Timeline, WsadChangeTheRangeByTheDocumentedSteps)
{
    application();
    TraceSource source(tracedDatabase("storm-16g", "kvm"));
    TimelineWidget timeline;
    timeline.resize(1600, 900);
    timeline.setSource(&source);
    timeline.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&timeline));
    const TimeRange start{1.0e8, 2.0e8};
    timeline.setVisibleRange(start);
    ASSERT_EQ(timeline.visibleRange(), start);

    // No pointer over the tracks: W zooms at the centre by 1.25.
    QTest::keyClick(&timeline, Qt::Key_W);
    EXPECT_DOUBLE_EQ(timeline.visibleRange().width(), 1.0e8 / 1.25);
    EXPECT_DOUBLE_EQ((timeline.visibleRange().start + timeline.visibleRange().end) / 2, 1.5e8);
    QTest::keyClick(&timeline, Qt::Key_S);
    EXPECT_NEAR(timeline.visibleRange().start, start.start, 1e-3);
    EXPECT_NEAR(timeline.visibleRange().end, start.end, 1e-3);

    // A and D pan by 10% of the width.
    timeline.setVisibleRange(start);
    QTest::keyClick(&timeline, Qt::Key_D);
    EXPECT_NEAR(timeline.visibleRange().start, 1.1e8, 1e-3);
    EXPECT_NEAR(timeline.visibleRange().end, 2.1e8, 1e-3);
    QTest::keyClick(&timeline, Qt::Key_A);
    QTest::keyClick(&timeline, Qt::Key_A);
    EXPECT_NEAR(timeline.visibleRange().start, 0.9e8, 1e-3);
    EXPECT_NEAR(timeline.visibleRange().end, 1.9e8, 1e-3);

    // With the pointer over the plot, the time under it stays put.
    timeline.setVisibleRange(start);
    const QPoint pointer(timeline.plotLeft() + timeline.plotWidth() / 4, 100);
    QTest::mouseMove(&timeline, pointer);
    const double anchor = timeline.timeForX(pointer.x());
    QTest::keyClick(&timeline, Qt::Key_W);
    EXPECT_DOUBLE_EQ(timeline.visibleRange().width(), 1.0e8 / 1.25);
    EXPECT_NEAR(timeline.timeForX(pointer.x()), anchor, 1e-3);

    // Ctrl+wheel: one notch is one W.
    timeline.setVisibleRange(start);
    QWheelEvent wheel(QPointF(pointer), timeline.mapToGlobal(QPointF(pointer)), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(&timeline, &wheel);
    EXPECT_DOUBLE_EQ(timeline.visibleRange().width(), 1.0e8 / 1.25);
    EXPECT_NEAR(timeline.timeForX(pointer.x()), anchor, 1e-3);

    // Panning stops at the ends of the run.
    timeline.setVisibleRange({0, 1.0e8});
    QTest::keyClick(&timeline, Qt::Key_A);
    EXPECT_EQ(timeline.visibleRange(), (TimeRange{0, 1.0e8}));
}

TEST(Timeline, NextAndPreviousEventOnTheTrackUnderThePointer)
{
    application();
    TraceSource source(tracedDatabase("storm-16g", "kvm"));
    TimelineWidget timeline;
    timeline.resize(1600, 900);
    timeline.setSource(&source);
    timeline.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&timeline));
    const int segments = timeline.findTrack(TrackKind::VmSegments, 0);
    const QRect row = timeline.trackRect(segments);
    ASSERT_FALSE(row.isEmpty());
    QTest::mouseMove(&timeline, QPoint(timeline.plotLeft(), row.center().y()));
    QTest::keyClick(&timeline, Qt::Key_Period);
    ASSERT_TRUE(timeline.selection().has_value());
    EXPECT_EQ(timeline.selection()->row.table, "flush_segment");
    const std::int64_t first = timeline.selection()->row.id;
    EXPECT_EQ(timeline.selection()->ts, scalar(source, "SELECT min(ts) FROM flush_segment"));
    QTest::keyClick(&timeline, Qt::Key_Period);
    EXPECT_EQ(timeline.selection()->ts,
              scalar(source, "SELECT min(ts) FROM flush_segment WHERE ts > (SELECT min(ts) FROM flush_segment)"));
    QTest::keyClick(&timeline, Qt::Key_Comma);
    EXPECT_EQ(timeline.selection()->row.id, first);
    // F frames the selected segment with 10% margins.
    QTest::keyClick(&timeline, Qt::Key_F);
    const double width = static_cast<double>(timeline.selection()->end - timeline.selection()->ts);
    EXPECT_NEAR(timeline.visibleRange().width(), width * 1.2, 1.0);
    // M marks the time under the pointer.
    QTest::keyClick(&timeline, Qt::Key_M);
    EXPECT_EQ(timeline.marks().size(), 1u);
}

TEST(Timeline, ActivatingAFindingZoomsToItAndItsEvidence)
{
    application();
    MainWindow window;
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(tracedDatabase("storm-16g", "kvm").string())));
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    FindingsModel* findings = window.findings();
    ASSERT_EQ(findings->rowCount(), 33);
    // The last finding (in time) is a long_flush_segment: its evidence is the segment and its flush.
    const int row = findings->rowCount() - 1;
    const FindingRow finding = findings->finding(row);
    window.timeline()->setVisibleRange({0, 1000});
    // Activate the finding in the list as a user would: select it and press Enter (as a double-click does).
    QTableView* view = window.findingsView();
    view->setFocus();
    view->setCurrentIndex(window.findingsProxy()->mapFromSource(findings->index(row, FindingsModel::Kind)));
    QTest::keyClick(view, Qt::Key_Return);
    const TimeRange range = window.timeline()->visibleRange();
    EXPECT_LE(range.start, static_cast<double>(finding.ts));
    EXPECT_GE(range.end, static_cast<double>(finding.ts + finding.dur));
    const auto evidence = window.source()->evidence(finding.id);
    ASSERT_FALSE(evidence.empty());
    for (const EvidenceRow& e : evidence) {
        ASSERT_TRUE(e.time.has_value()) << e.row.table;
        EXPECT_LE(range.start, static_cast<double>(e.time->first)) << e.row.table;
        EXPECT_GE(range.end, static_cast<double>(e.time->second)) << e.row.table;
    }
    ASSERT_TRUE(window.timeline()->selection().has_value());
    EXPECT_EQ(window.timeline()->selection()->row, (RowRef{"finding", finding.id}));
    EXPECT_TRUE(window.details()->text().contains(QStringLiteral("Evidence")));
    EXPECT_TRUE(window.details()->text().contains(QStringLiteral("flush_segment")));
}

// Stale reads are linked to the write they missed, clobbers to the write they destroyed: the items carry the
// write's time (the earliest of those merged), the details name the writer and link to a view of both.
TEST(Timeline, StaleReadsAndClobbersAreLinkedToTheirWrite)
{
    application();
    for (const auto& [scenario, kind, table, column] :
         {std::tuple{"seed004-bootloader-setway", TrackKind::StaleReads, "stale_read", "latest_write_ts"},
          std::tuple{"seed004-boot-handoff", TrackKind::Clobbers, "clobber", "overwritten_write_ts"}}) {
        SCOPED_TRACE(scenario);
        MainWindow window;
        ASSERT_TRUE(window.openDatabase(QString::fromStdString(tracedDatabase(scenario, "native").string())));
        window.resize(1200, 700);
        TraceSource& source = *window.source();
        const std::string t = table;
        const std::string c = column;
        const std::int64_t id = scalar(source, "SELECT min(id) FROM " + t);
        const std::int64_t ts = scalar(source, "SELECT ts FROM " + t + " WHERE id = " + std::to_string(id));
        const std::int64_t write = scalar(source, "SELECT " + c + " FROM " + t + " WHERE id = " + std::to_string(id));
        ASSERT_LT(write, ts);
        const int track = window.timeline()->findTrack(kind);
        ASSERT_GE(track, 0);
        // Zoomed in on the first item alone: it is its own summary and links to exactly its write.
        window.timeline()->setVisibleRange({static_cast<double>(ts) - 10, static_cast<double>(ts) + 10});
        const auto& items = window.timeline()->itemsOf(track);
        ASSERT_FALSE(items.empty());
        EXPECT_EQ(items.front().rowId, id);
        ASSERT_TRUE(items.front().origin.has_value());
        EXPECT_EQ(*items.front().origin, write);
        // The whole run: merged summaries link to the earliest write of the rows they merge.
        window.timeline()->showWholeRun();
        std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
        for (const TrackItem& item : window.timeline()->itemsOf(track))
            earliest = std::min(earliest, item.origin.value_or(earliest));
        EXPECT_EQ(earliest, scalar(source, "SELECT min(" + c + ") FROM " + t));

        window.showRow({t, id});
        const QString details = window.details()->text();
        EXPECT_TRUE(details.contains(QStringLiteral(" the write by d1v0 at "))) << details.toStdString();
        EXPECT_TRUE(details.contains(t == "stale_read" ? QStringLiteral("It missed") : QStringLiteral("It destroyed")));
        window.showSpan(static_cast<double>(write), static_cast<double>(ts));
        EXPECT_LT(window.timeline()->visibleRange().start, static_cast<double>(write));
        EXPECT_GT(window.timeline()->visibleRange().end, static_cast<double>(ts));
    }
}

// The window samples in the background: after a range change a frame does not wait; the results arrive
// and are the very items the synchronous sampler computes for that range.
TEST(Timeline, BackgroundSamplingDeliversTheSameItemsAsSampling)
{
    application();
    MainWindow window;
    const auto file = tracedDatabase("seed004-bootloader-setway", "native");
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(file.string())));
    window.resize(1200, 800);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    TimelineWidget& timeline = *window.timeline();
    ASSERT_TRUE(timeline.backgroundSampling());
    for (const TimeRange range : {TimeRange{600000, 700000}, TimeRange{640000, 650000}, TimeRange{0, 976936}}) {
        timeline.setVisibleRange(range);
        EXPECT_FALSE(timeline.visibleItemsComplete()) << "nothing is sampled before a frame asks";
        timeline.repaint();
        ASSERT_TRUE(QTest::qWaitFor([&] { return timeline.visibleItemsComplete(); }, 10000));
        TraceSource reference(file);
        int compared = 0;
        for (std::size_t track = 0; track < reference.tracks().size(); ++track) {
            if (timeline.trackRect(static_cast<int>(track)).isEmpty())
                continue;
            const auto expected = reference.sample(static_cast<int>(track), timeline.visibleRange(), timeline.plotWidth());
            const auto& got = timeline.itemsOf(static_cast<int>(track)); // already there: not sampled again
            ASSERT_EQ(got.size(), expected.size()) << reference.tracks()[track].name.toStdString();
            for (std::size_t i = 0; i < got.size(); ++i) {
                EXPECT_EQ(got[i].rowId, expected[i].rowId);
                EXPECT_EQ(got[i].ts, expected[i].ts);
                EXPECT_EQ(got[i].end, expected[i].end);
                EXPECT_EQ(got[i].rows, expected[i].rows);
            }
            ++compared;
        }
        EXPECT_GT(compared, 5);
    }
}

TEST(Timeline, EventTablePagesThroughTwoHundredThousandTrapsWithBoundedMemory)
{
    application();
    // kvm-6.1: every set/way operation of the storm's loops traps (6.12's kvm fakes a one-set geometry).
    TraceSource source(tracedDatabase("storm-16g", "kvm-6.1"));
    EventTableModel model;
    model.setSource(&source);
    model.setTable("trap");
    const std::int64_t traps = scalar(source, "SELECT count(*) FROM trap");
    ASSERT_GT(traps, 100000);
    EXPECT_EQ(model.rowCount(), traps);
    for (int row = 0; row < model.rowCount(); row += 5000)
        EXPECT_EQ(model.rowId(row), scalar(source, "SELECT id FROM trap ORDER BY id LIMIT 1 OFFSET " + std::to_string(row)));
    EXPECT_LE(model.cachedPages(), EventTableModel::kCachedPages);
    model.setFilter({QStringLiteral("vm_register"), std::nullopt, std::nullopt, std::nullopt});
    EXPECT_EQ(model.rowCount(), scalar(source, "SELECT count(*) FROM trap WHERE kind = 'vm_register'"));
    model.sort(0, Qt::DescendingOrder);
    EXPECT_EQ(model.rowId(0), scalar(source, "SELECT max(id) FROM trap WHERE kind = 'vm_register'"));
}

TEST(Timeline, TraceDirectoryIsIngestedInTheBackgroundThenOpened)
{
    application();
    const std::filesystem::path trace = test::tracedRun("seed004-bootloader-setway", "xen");
    const QString database = IngestJob::databaseFor(QString::fromStdString(trace.string()));
    std::filesystem::remove(database.toStdString());
    MainWindow window;
    QSignalSpy done(window.ingestJob(), &IngestJob::succeeded);
    window.openSource(QString::fromStdString(trace.string()));
    EXPECT_EQ(window.source(), nullptr) << "opened only when the ingest is done";
    EXPECT_TRUE(window.statusText().startsWith(QStringLiteral("Ingesting")));
    ASSERT_TRUE(done.wait(60000));
    QTRY_VERIFY(window.source() != nullptr);
    EXPECT_EQ(window.source()->file(), std::filesystem::path(database.toStdString()));
    EXPECT_TRUE(MainWindow::recentFiles().contains(database));
}

// A live URL is followed: the window opens the database while the session runs, its visible end grows with
// the newest events (Follow head), and the findings appear once the ingest is complete.
TEST(Timeline, LiveSessionIsFollowedThenItsFindingsAppear)
{
    application();
    const std::filesystem::path trace = test::tracedRun("seed004-bootloader-setway", "native");
    const std::filesystem::path err = test::workDirectory() / "play.err";
    std::filesystem::remove(err);
    std::system((std::string(VCM_BINARY) + " replay " + trace.string() +
                 " --live --speed 0.0005 --live-wait-ms 1500 > /dev/null 2> " + err.string() + " &")
                    .c_str());
    // Up to 60 s: the replay starts its own session daemon and relay first, which a loaded machine slows (a CI run
    // beside a build once took more than 10 s).
    QString url;
    for (int i = 0; i < 600 && url.isEmpty(); ++i) {
        QTest::qWait(100);
        QFile file(QString::fromStdString(err.string()));
        if (file.open(QIODevice::ReadOnly)) {
            const QString text = QString::fromUtf8(file.readAll());
            if (const auto at = text.indexOf(QStringLiteral("net://")); at >= 0) {
                qsizetype end = at;
                while (end < text.size() && !text[end].isSpace())
                    ++end;
                url = text.mid(at, end - at);
            }
        }
    }
    ASSERT_FALSE(url.isEmpty()) << "no live URL printed";
    MainWindow window;
    QSignalSpy done(window.ingestJob(), &IngestJob::succeeded);
    window.openSource(url);
    EXPECT_TRUE(window.isFollowing());
    EXPECT_TRUE(window.followHeadAction()->isChecked());
    std::set<double> ends;
    std::optional<TimelineSelection> picked; // selected while following: the re-reads must keep it
    QString collapsedGroup; // groups are found by name: the re-reads may add groups before it
    QElapsedTimer elapsed;
    elapsed.start();
    while (done.isEmpty() && elapsed.elapsed() < 60000) {
        QTest::qWait(50);
        if (window.source() == nullptr || !done.isEmpty())
            continue;
        ends.insert(window.timeline()->visibleRange().end);
        const int track = window.timeline()->findTrack(TrackKind::CoreVcpu, 0);
        if (!picked && track >= 0 && scalar(*window.source(), "SELECT count(*) FROM sched_slice WHERE core = 0") > 0) {
            const std::int64_t id = scalar(*window.source(), "SELECT min(id) FROM sched_slice WHERE core = 0");
            picked = TimelineSelection{{"sched_slice", id},
                                       scalar(*window.source(), "SELECT ts FROM sched_slice WHERE id = " + std::to_string(id)),
                                       scalar(*window.source(), "SELECT ts + dur FROM sched_slice WHERE id = " + std::to_string(id)),
                                       track};
            window.timeline()->setSelection(picked);
            collapsedGroup = window.source()->groups().back().name;
            window.timeline()->setGroupCollapsed(static_cast<int>(window.source()->groups().size()) - 1, true);
        }
    }
    ASSERT_FALSE(done.isEmpty()) << "the following ingest did not end";
    EXPECT_GE(ends.size(), 2u) << "the visible end did not grow while following";
    ASSERT_TRUE(picked.has_value()) << "no scheduling slice arrived while following";
    // The job signals from its worker thread: the spy sees it at once, the window's queued slot a little later.
    for (int i = 0; i < 200 && window.isFollowing(); ++i)
        QTest::qWait(25);
    EXPECT_FALSE(window.isFollowing());
    ASSERT_NE(window.source(), nullptr);
    EXPECT_EQ(scalar(*window.source(), "SELECT count(*) FROM meta WHERE key = 'ingest_state' AND value = 'complete'"), 1);
    EXPECT_GT(window.findings()->rowCount(), 0);
    EXPECT_DOUBLE_EQ(window.timeline()->visibleRange().end, window.source()->bounds().end);
    // What the user picked while following is still picked once the run is complete.
    ASSERT_TRUE(window.timeline()->selection().has_value());
    EXPECT_EQ(window.timeline()->selection()->row, picked->row);
    EXPECT_EQ(window.timeline()->selection()->track, window.timeline()->findTrack(TrackKind::CoreVcpu, 0));
    EXPECT_TRUE(window.details()->text().contains(QStringLiteral("sched_slice %1").arg(picked->row.id)))
        << window.details()->text().toStdString();
    const auto& groups = window.source()->groups();
    const auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.name == collapsedGroup; });
    ASSERT_NE(group, groups.end()) << collapsedGroup.toStdString();
    EXPECT_TRUE(window.timeline()->isGroupCollapsed(static_cast<int>(group - groups.begin()))) << collapsedGroup.toStdString();
    QTest::qWait(2500); // the player's relay daemon lingers, then exits
}

// Pixel positions computed from the data and the documented layout (timeline_layout.h), not from the widget.
struct Geometry {
    TimeRange range;
    QSize size;
    double x(double t) const
    {
        const int plot = size.width() - kLabelWidth - kScrollBarWidth;
        return kLabelWidth + (t - range.start) * plot / range.width();
    }
};

int trackTop(const TraceSource& source, TrackKind kind)
{
    std::vector<bool> collapsed;
    for (const TrackGroup& group : source.groups())
        collapsed.push_back(group.collapsed); // as the timeline starts
    const auto rows = layoutTimeline(source.groups(), collapsed);
    for (const TimelineRow& row : rows) {
        if (row.track >= 0 && source.tracks()[static_cast<std::size_t>(row.track)].kind == kind)
            return kRulerHeight + row.y;
    }
    return -1;
}

TEST(Screenshot, FlushSliceStaleWindowAndHatchedLossAreWhereTheDataSays)
{
    application();
    const QSize size(1200, 700);

    {   // storm-16g under kvm, whole run: the middle of flush 1 on the VM's flushes track.
        const auto file = tracedDatabase("storm-16g", "kvm");
        TraceSource source(file);
        const double ts = static_cast<double>(scalar(source, "SELECT ts FROM flush WHERE flush_id = 1"));
        const double dur = static_cast<double>(scalar(source, "SELECT dur FROM flush WHERE flush_id = 1"));
        const Geometry geometry{{0, static_cast<double>(source.facts().endTs)}, size};
        const QImage image = renderScreenshot({QString::fromStdString(file.string()), {}, std::nullopt, size, false, {}});
        const int top = trackTop(source, TrackKind::VmFlushes);
        ASSERT_GT(top, 0);
        const QPoint inside(static_cast<int>(geometry.x(ts + dur / 2)), top + kTrackHeight / 2);
        EXPECT_EQ(image.pixelColor(inside), palette::kFlush) << inside.x() << "," << inside.y();
        const QPoint before(static_cast<int>(geometry.x(ts)) - 5, top + kTrackHeight / 2);
        EXPECT_EQ(image.pixelColor(before), palette::kFlush) << "flush 0 ends right before flush 1";
    }
    {   // seed004 native, 600 us .. 700 us: the first page's stale window opens inside.
        const auto file = tracedDatabase("seed004-bootloader-setway", "native");
        TraceSource source(file);
        const TimeRange range{600000, 700000};
        const Geometry geometry{range, size};
        const double ts = static_cast<double>(scalar(source, "SELECT min(ts) FROM stale_window"));
        ASSERT_TRUE(range.contains(ts));
        const QImage image = renderScreenshot({QString::fromStdString(file.string()), {}, range, size, false, {}});
        const int top = trackTop(source, TrackKind::StaleWindows);
        ASSERT_GT(top, 0);
        const int y = top + kTrackHeight / 2;
        EXPECT_EQ(image.pixelColor(static_cast<int>(geometry.x(ts)) + 10, y), palette::kStaleWindowOpen);
        EXPECT_NE(image.pixelColor(static_cast<int>(geometry.x(ts)) - 10, y), palette::kStaleWindowOpen) << "before it opens";
    }
    {   // seed004 native, 450 us .. 700 us: the first stale read and the write it missed, linked on its track.
        const auto file = tracedDatabase("seed004-bootloader-setway", "native");
        TraceSource source(file);
        const TimeRange range{450000, 700000};
        const Geometry geometry{range, size};
        const double read = static_cast<double>(scalar(source, "SELECT min(ts) FROM stale_read"));
        const double write = static_cast<double>(scalar(source, "SELECT min(latest_write_ts) FROM stale_read"));
        ASSERT_TRUE(range.contains(read) && range.contains(write));
        const QImage image = renderScreenshot({QString::fromStdString(file.string()), {}, range, size, false, {}});
        const int top = trackTop(source, TrackKind::StaleReads);
        ASSERT_GT(top, 0);
        const int y = top + 2 + (kTrackHeight - 4) * 3 / 4;
        EXPECT_EQ(image.pixelColor(static_cast<int>(geometry.x((write + read) / 2)), y), palette::chrome().writeLink)
            << "the link between the write and the read";
        EXPECT_NE(image.pixelColor(static_cast<int>(geometry.x(write)) - 10, y), palette::chrome().writeLink) << "before the write";
    }
    {   // seed004 native with tiny sub-buffers (8,700 maintenance events): the tracer lost events; the first loss
        // is hatched.
        const auto file = tracedDatabase("seed004-bootloader-setway", "native", "--subbuffer-bytes 4096 --subbuffers 2");
        TraceSource source(file);
        ASSERT_GT(scalar(source, "SELECT count(*) FROM data_loss WHERE ts_before IS NOT NULL AND ts_after IS NOT NULL"), 0);
        const auto before = static_cast<double>(scalar(source, "SELECT ts_before FROM data_loss WHERE ts_before IS NOT NULL AND ts_after IS NOT NULL ORDER BY id LIMIT 1"));
        const auto after = static_cast<double>(scalar(source, "SELECT ts_after FROM data_loss WHERE ts_before IS NOT NULL AND ts_after IS NOT NULL ORDER BY id LIMIT 1"));
        const double margin = after - before;
        const TimeRange range{before - margin, after + margin};
        const Geometry geometry{range, size};
        // Through the real binary, as CI would make an artefact.
        const auto png = test::workDirectory() / "loss.png";
        const std::string command = std::string(VCM_GUI_BINARY) + " --screenshot " + png.string() + " --range " +
                                    std::to_string(static_cast<long long>(range.start)) + ":" +
                                    std::to_string(static_cast<long long>(range.end)) + " --size 1200x700 " + file.string();
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        const QImage image(QString::fromStdString(png.string()));
        ASSERT_EQ(image.size(), size);
        const int top = trackTop(source, TrackKind::DataLoss);
        ASSERT_GT(top, 0);
        int hatch = 0;
        int background = 0;
        for (int x = static_cast<int>(geometry.x(before)) + 2; x < static_cast<int>(geometry.x(after)) - 2; ++x) {
            for (int y = top + 3; y < top + kTrackHeight - 3; ++y) {
                const QColor c = image.pixelColor(x, y);
                hatch += c == palette::chrome().lossHatch ? 1 : 0;
                background += c == palette::chrome().lossBackground ? 1 : 0;
            }
        }
        EXPECT_GT(hatch, 50) << "hatch lines inside the loss";
        EXPECT_GT(background, 50) << "the unknown background between them";
        // Outside the loss the track is blank.
        const QColor outside = image.pixelColor(static_cast<int>(geometry.x(before)) - 20, top + kTrackHeight / 2);
        EXPECT_NE(outside, palette::chrome().lossHatch);
        EXPECT_NE(outside, palette::chrome().lossBackground);
    }
}

// Issue 19, problem 1: seed004-native's stale-read errors (647-969 us) overlap its stale-window warnings
// (647-977 us), which start earlier. On one shared track the summaries took the warning colour and no error was
// ever red. Each error must be drawn in the error colour, zoomed out and in, and a selected error outlined.
TEST(Screenshot, ErrorFindingsStayRedWhereWarningsOverlapThem)
{
    application();
    const QSize size(1200, 700);
    const auto file = tracedDatabase("seed004-bootloader-setway", "native");
    TraceSource source(file);
    ASSERT_GT(scalar(source, "SELECT count(*) FROM finding f JOIN finding w ON w.severity = 'warning' AND w.ts <= f.ts "
                             "AND w.ts + w.dur >= f.ts WHERE f.severity = 'error'"),
              0)
        << "the scenario no longer has warnings overlapping its errors";
    const int top = trackTop(source, TrackKind::Findings);
    ASSERT_GT(top, 0);
    const int y = top + kTrackHeight / 2;
    for (const std::optional<TimeRange>& range :
         {std::optional<TimeRange>{}, std::optional<TimeRange>{TimeRange{640000, 700000}}}) {
        const TimeRange shown = range.value_or(TimeRange{0, static_cast<double>(source.facts().endTs)});
        const Geometry geometry{shown, size};
        const QImage image = renderScreenshot({QString::fromStdString(file.string()), {}, range, size, false, {}});
        db::Statement errors = source.database().prepare("SELECT ts FROM finding WHERE severity = 'error' ORDER BY ts");
        int checked = 0;
        while (errors.step()) {
            const auto ts = static_cast<double>(errors.columnInt(0));
            if (!shown.contains(ts))
                continue;
            EXPECT_EQ(image.pixelColor(static_cast<int>(geometry.x(ts)) + 1, y), palette::severity(2))
                << "error at " << ts << " ns, range " << shown.start << ".." << shown.end;
            ++checked;
        }
        EXPECT_GT(checked, 0);
    }
}

// Issue 19, problem 3: activating a stale-read finding frames the write it missed (474 us) with the reads
// (647 us on), and the link between them is drawn on the stale reads track.
TEST(Timeline, ActivatingAStaleReadFindingFramesTheWriteItMissed)
{
    application();
    MainWindow window;
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "native").string())));
    window.resize(1200, 700);
    TraceSource& source = *window.source();
    const std::int64_t finding = scalar(source, "SELECT min(id) FROM finding WHERE kind = 'stale_read'");
    const std::int64_t write = scalar(
        source, "SELECT s.latest_write_ts FROM finding_evidence e JOIN stale_read s ON s.id = e.row_id WHERE e.finding = " +
                    std::to_string(finding) + " AND e.table_name = 'stale_read' AND e.role = 'subject'");
    const std::int64_t read = scalar(source, "SELECT ts FROM finding WHERE id = " + std::to_string(finding));
    ASSERT_LT(write, read);
    window.showRow({"finding", finding});
    const TimeRange range = window.timeline()->visibleRange();
    EXPECT_LT(range.start, static_cast<double>(write)) << "the write the read missed is in view";
    EXPECT_GT(range.end, static_cast<double>(read));
    const int track = window.timeline()->findTrack(TrackKind::StaleReads);
    ASSERT_GE(track, 0);
    bool linked = false;
    for (const TrackItem& item : window.timeline()->itemsOf(track))
        linked = linked || (item.origin && *item.origin <= write);
    EXPECT_TRUE(linked) << "a stale read in view links back to the write";
}

// Issue 19, problem 2: the window has a legend, listing what every colour means.
TEST(MainWindowLegend, IsDockedAndListsEveryMeaningOfThePalette)
{
    application();
    MainWindow window;
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    ASSERT_NE(window.legend(), nullptr);
    EXPECT_TRUE(window.legend()->isVisible());
    QStringList expected;
    for (const palette::LegendEntry& entry : palette::legend())
        expected << entry.meaning;
    EXPECT_EQ(window.legend()->meanings(), expected);
}

// Issue 19, problem 6: the findings list puts errors first (seed004-native: its 8 stale-read errors before the
// warnings that start earlier), sorts by any column (times by value) and filters on any text; one unit per column.
TEST(FindingsList, ErrorsFirstSortableFilterableOneUnit)
{
    application();
    MainWindow window;
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "native").string())));
    QAbstractItemModel* shown = window.findingsView()->model();
    const int errors = static_cast<int>(scalar(*window.source(), "SELECT count(*) FROM finding WHERE severity = 'error'"));
    ASSERT_EQ(errors, 8);
    ASSERT_GT(shown->rowCount(), errors);
    for (int row = 0; row < shown->rowCount(); ++row)
        EXPECT_EQ(shown->index(row, FindingsModel::Severity).data().toString() == QStringLiteral("error"), row < errors)
            << "row " << row;
    for (int row = 0; row < shown->rowCount(); ++row)
        EXPECT_TRUE(shown->index(row, FindingsModel::Time).data().toString().endsWith(QStringLiteral(" us")))
            << "a run under 1 ms: every time in us, got " << shown->index(row, FindingsModel::Time).data().toString().toStdString();

    // Sorted by time (a header click): ascending times, the caches_on_without_flush warning (474 us) first.
    window.findingsView()->sortByColumn(FindingsModel::Time, Qt::AscendingOrder);
    qlonglong previous = -1;
    for (int row = 0; row < shown->rowCount(); ++row) {
        const qlonglong ts = shown->index(row, FindingsModel::Time).data(FindingsModel::SortRole).toLongLong();
        EXPECT_GE(ts, previous);
        previous = ts;
    }
    EXPECT_EQ(shown->index(0, FindingsModel::Kind).data().toString(), QStringLiteral("caches_on_without_flush"));

    // Filtered: the stale reads only; activating one still selects its finding.
    window.findingsFilter()->setText(QStringLiteral("stale_read"));
    ASSERT_EQ(shown->rowCount(), errors);
    window.findingsView()->setCurrentIndex(shown->index(3, FindingsModel::Kind));
    window.findingsView()->setFocus();
    QTest::keyClick(window.findingsView(), Qt::Key_Return);
    ASSERT_TRUE(window.timeline()->selection().has_value());
    const std::int64_t id = window.timeline()->selection()->row.id;
    EXPECT_EQ(scalar(*window.source(), "SELECT kind = 'stale_read' FROM finding WHERE id = " + std::to_string(id)), 1);
}

// `vcm-gui --screenshot` of a trace directory ingests it first, as the window does (it said "no such database
// file" though --help offers a directory); interrupted by SIGTERM or SIGINT mid-ingest, it leaves no
// TRACE_DIR.db.tmp-PID behind (issue 20, defects 13 and 6).
TEST(Screenshot, OfATraceDirectoryIngestsItAndAnInterruptedIngestLeavesNothing)
{
    const auto trace = test::tracedRun("seed004-bootloader-setway", "xen");
    std::filesystem::remove(trace.string() + ".db");
    const auto png = test::workDirectory() / "from-directory.png";
    const std::string command = std::string(VCM_GUI_BINARY) + " --screenshot " + png.string() + " --size 800x400 " +
                                trace.string() + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_EQ(QImage(QString::fromStdString(png.string())).size(), QSize(800, 400));
    EXPECT_TRUE(std::filesystem::exists(trace.string() + ".db")) << "the database goes beside the trace";

    // About 700,000 events: a few tenths of a second of ingest, time enough to interrupt it.
    const auto big = test::tracedRun("storm-16g", "native", "--set machine.l2.size_kib=2048");
    for (const int signal : {SIGTERM, SIGINT}) {
        const std::filesystem::path database = big.string() + ".db";
        std::filesystem::remove(database);
        std::vector<std::string> args = {VCM_GUI_BINARY, "--screenshot", (test::workDirectory() / "never.png").string(),
                                         big.string()};
        std::vector<char*> argv;
        for (std::string& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, signal); // a background test runner ignores SIGINT; the GUI must not inherit that
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
        pid_t child = 0;
        ASSERT_EQ(posix_spawn(&child, VCM_GUI_BINARY, nullptr, &attributes, argv.data(), environ), 0);
        posix_spawnattr_destroy(&attributes);
        const std::filesystem::path temporary = database.string() + ".tmp-" + std::to_string(child);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!std::filesystem::exists(temporary) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        ASSERT_TRUE(std::filesystem::exists(temporary)) << "the ingest never made " << temporary;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        ::kill(child, signal);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        if (WIFEXITED(status)) {
            ADD_FAILURE() << "the ingest finished before the signal: use a longer trace";
            continue;
        }
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal) << "status " << status;
        EXPECT_FALSE(std::filesystem::exists(temporary)) << "signal " << signal;
    }
}

} // namespace
} // namespace vcm::gui

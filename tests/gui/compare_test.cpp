// Comparing two runs in the window (issue 19): seed004-bootloader-setway under native (A) and xen (B), recorded
// through the real pipeline.
#include "gui_test_support.h"

#include "vcm/gui/compare_view.h"
#include "vcm/gui/details_panel.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/timeline_palette.h"
#include "vcm/gui/timeline_widget.h"

#include <QAbstractItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QImage>

#include <algorithm>

#include <gtest/gtest.h>

namespace vcm::gui {
namespace {

using test::application;
using test::tracedDatabase;

// Issue 19, compare two runs: seed004-bootloader-setway native (A) with xen (B). The Differences tab lists the 8
// stale-read findings as only in A; the two runs' tracks are paired on one timeline and one axis; what differs is
// outlined on its run's tracks; activating a difference frames it.
TEST(Compare, NativeAgainstXenShowsTheStaleReadFindingsOnlyInA)
{
    application();
    MainWindow window;
    window.resize(1200, 900);
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "native").string())));
    const double endA = window.source()->bounds().end;
    ASSERT_TRUE(window.compareWith(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "xen").string())))
        << window.statusText().toStdString();
    CompareView* compare = window.compareView();
    ASSERT_NE(compare, nullptr);
    QAbstractItemModel* model = compare->differencesView()->model();
    int staleOnlyInA = 0;
    int onlyInB = 0;
    int flushesOnlyInB = 0;
    int firstStale = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        const QString where = model->index(row, 0).data().toString();
        const QString kind = model->index(row, 2).data().toString();
        if (where == QStringLiteral("only in A") && kind == QStringLiteral("stale_read")) {
            ++staleOnlyInA;
            firstStale = firstStale < 0 ? row : firstStale;
        }
        onlyInB += where == QStringLiteral("only in B") && kind != QStringLiteral("flush") ? 1 : 0;
        flushesOnlyInB += where == QStringLiteral("only in B") && kind == QStringLiteral("flush") ? 1 : 0;
    }
    EXPECT_EQ(staleOnlyInA, 8);
    EXPECT_EQ(onlyInB, 0) << "no finding only in B";
    EXPECT_EQ(flushesOnlyInB, 2) << "xen flushed twice (set/way, caches off), native never";

    // The Findings and Events tabs list A's rows, and say so while B is on the timeline too.
    auto* panels = window.findChild<QTabWidget*>(QStringLiteral("panels"));
    ASSERT_NE(panels, nullptr);
    EXPECT_EQ(panels->tabText(0), QStringLiteral("Findings (A)"));
    EXPECT_EQ(panels->tabText(1), QStringLiteral("Events (A)"));

    // One timeline, the tracks paired: every track of B directly under A's of the same name in the same group,
    // where A has one. Both runs have a core 0 running d1v0 and its SCTLR, so those pairs exist.
    TraceSource& source = *window.source();
    ASSERT_TRUE(source.comparing());
    int pairs = 0;
    int tracksOfB = 0;
    for (const TrackGroup& group : source.groups()) {
        for (std::size_t i = 0; i < group.tracks.size(); ++i) {
            const TrackInfo& track = source.tracks().at(static_cast<std::size_t>(group.tracks[i]));
            if (track.run != 1)
                continue;
            ++tracksOfB;
            const bool aHasIt = std::any_of(group.tracks.begin(), group.tracks.end(), [&](int t) {
                const TrackInfo& other = source.tracks().at(static_cast<std::size_t>(t));
                return other.run == 0 && other.kind == track.kind && other.name == track.name;
            });
            if (!aHasIt)
                continue;
            ASSERT_GT(i, 0u) << group.name.toStdString() << ": B's " << track.name.toStdString() << " comes first";
            const TrackInfo& above = source.tracks().at(static_cast<std::size_t>(group.tracks[i - 1]));
            EXPECT_EQ(above.run, 0) << group.name.toStdString() << ": " << track.name.toStdString();
            EXPECT_EQ(above.name, track.name) << group.name.toStdString();
            ++pairs;
        }
    }
    EXPECT_GE(pairs, 3);
    EXPECT_GT(tracksOfB, pairs) << "xen's TVM and flush tracks are B's alone";
    TimelineWidget& timeline = *window.timeline();
    const int coreA = timeline.findTrack(TrackKind::CoreVcpu, 0, 0);
    const int coreB = timeline.findTrack(TrackKind::CoreVcpu, 0, 1);
    ASSERT_GE(coreA, 0);
    ASSERT_GE(coreB, 0);
    EXPECT_EQ(coreB, coreA + 1);
    EXPECT_GE(timeline.findTrack(TrackKind::VmFlushes, -1, 1), 0);
    EXPECT_LT(timeline.findTrack(TrackKind::VmFlushes, -1, 0), 0) << "native never flushes";

    // Drawn where they are: B's two flushes outlined on B's tracks, A's stale-read findings on A's, and the first
    // divergence (native's guest fails its check, xen's passes) marked.
    int outlinedFlushesOfB = 0;
    int outlinedFindingsOfA = 0;
    for (const RowRef& row : timeline.highlightedRows()) {
        outlinedFlushesOfB += row.table == "flush" && row.run == 1 ? 1 : 0;
        outlinedFindingsOfA += row.table == "finding" && row.run == 0 ? 1 : 0;
    }
    EXPECT_EQ(outlinedFlushesOfB, 2);
    EXPECT_GE(outlinedFindingsOfA, 8);
    const std::optional<analyzer::Divergence>& divergence = compare->comparison().divergence;
    ASSERT_TRUE(divergence.has_value());
    ASSERT_TRUE(divergence->tsA && divergence->tsB);
    std::vector<std::pair<QString, double>> marks;
    for (const TimelineMark& mark : timeline.marks())
        marks.emplace_back(mark.name, mark.time);
    if (*divergence->tsA == *divergence->tsB) {
        EXPECT_EQ(marks, (std::vector<std::pair<QString, double>>{{"runs diverge", static_cast<double>(*divergence->tsA)}}));
    } else {
        EXPECT_EQ(marks.size(), 2u);
        EXPECT_TRUE(std::count(marks.begin(), marks.end(),
                               std::pair<QString, double>{"A diverges", static_cast<double>(*divergence->tsA)}));
        EXPECT_TRUE(std::count(marks.begin(), marks.end(),
                               std::pair<QString, double>{"B diverges", static_cast<double>(*divergence->tsB)}));
    }

    // One axis: it reaches the end of the longer run (B ran 7.6 ms, A under 1 ms), and B's rows are there.
    const auto endB = static_cast<double>(source.facts(1).endTs);
    ASSERT_GT(endB, endA);
    EXPECT_EQ(source.bounds().end, endB);
    timeline.setVisibleRange({100000, endB});
    EXPECT_EQ(timeline.visibleRange(), (TimeRange{100000, endB}));
    const std::vector<TrackItem>& flushesB = timeline.itemsOf(timeline.findTrack(TrackKind::VmFlushes, -1, 1));
    ASSERT_EQ(flushesB.size(), 2u);

    // B's row selected on the timeline: the Details panel reads it from B's database and says whose it is.
    timeline.setSelection(TimelineSelection{{"flush", flushesB[0].rowId, 1}, flushesB[0].ts, flushesB[0].end, -1});
    const QString details = window.details()->text();
    EXPECT_TRUE(details.contains(QStringLiteral("of run B (xen)"))) << details.toStdString();
    db::Statement reason = source.database(1).prepare("SELECT reason FROM flush WHERE id = ?1");
    reason.bind(1, flushesB[0].rowId);
    ASSERT_TRUE(reason.step());
    EXPECT_TRUE(details.contains(QString::fromStdString(reason.columnText(0)))) << details.toStdString();
    EXPECT_EQ(source.database(0).scalar("SELECT count(*) FROM flush"), 0) << "not A's: native has no flush rows";

    ASSERT_GE(firstStale, 0);
    compare->activateDifference(firstStale);
    const analyzer::FindingDifference& d = compare->comparison().findings.at(static_cast<std::size_t>(firstStale));
    ASSERT_TRUE(d.tsA.has_value());
    EXPECT_TRUE(timeline.visibleRange().contains(static_cast<double>(*d.tsA)));
    ASSERT_TRUE(timeline.selection().has_value());
    EXPECT_EQ(timeline.selection()->row, (RowRef{"finding", *d.idA, 0}));

    // Compared again: the earlier comparison's marks and outlines are replaced, not doubled.
    const std::size_t markCount = timeline.marks().size();
    const std::size_t outlined = timeline.highlightedRows().size();
    ASSERT_TRUE(window.compareWith(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "xen").string())));
    EXPECT_EQ(timeline.marks().size(), markCount);
    EXPECT_EQ(timeline.highlightedRows().size(), outlined);

    // Stop comparing: A alone again, its view kept, the comparison's marks and outlines gone.
    const TimeRange kept = timeline.visibleRange();
    window.stopComparing();
    EXPECT_TRUE(timeline.marks().empty());
    EXPECT_EQ(panels->tabText(0), QStringLiteral("Findings"));
    EXPECT_EQ(window.compareView(), nullptr);
    EXPECT_FALSE(window.source()->comparing());
    EXPECT_TRUE(std::none_of(window.source()->tracks().begin(), window.source()->tracks().end(),
                             [](const TrackInfo& t) { return t.run != 0; }));
    EXPECT_TRUE(timeline.highlightedRows().empty());
    EXPECT_EQ(timeline.visibleRange().start, kept.start);
}

// The pairs are seen: B's rows are tinted (label and plot), and each of B's labels says B.
TEST(Compare, TheRowsOfBAreTintedUnderTheirPairsOfA)
{
    application();
    MainWindow window;
    window.resize(1200, 900);
    window.timeline()->setBackgroundSampling(false);
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "native").string())));
    ASSERT_TRUE(window.compareWith(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "xen").string())));
    window.show();
    TimelineWidget& timeline = *window.timeline();
    const QRect rowA = timeline.trackRect(timeline.findTrack(TrackKind::CoreVcpu, 0, 0));
    const QRect rowB = timeline.trackRect(timeline.findTrack(TrackKind::CoreVcpu, 0, 1));
    ASSERT_FALSE(rowA.isEmpty());
    ASSERT_FALSE(rowB.isEmpty());
    EXPECT_EQ(rowB.top(), rowA.bottom() + 1) << "B's core-0 vCPU track right under A's";
    const QImage image = timeline.grab().toImage();
    const auto pixel = [&](int x, const QRect& row) { return image.pixelColor(x, row.top() + 1); };
    EXPECT_EQ(pixel(kLabelWidth - 3, rowA), palette::chrome().labelBackground);
    EXPECT_EQ(pixel(kLabelWidth - 3, rowB), palette::chrome().comparedLabelBackground);
    EXPECT_NE(palette::chrome().comparedLabelBackground, palette::chrome().labelBackground);
}

} // namespace
} // namespace vcm::gui

// Comparing two runs in the window (issue 19): seed004-bootloader-setway under native (A) and xen (B), recorded
// through the real pipeline.
#include "gui_test_support.h"

#include "vcm/gui/compare_view.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/timeline_widget.h"

#include <QAbstractItemModel>
#include <QTableView>
#include <gtest/gtest.h>

namespace vcm::gui {
namespace {

using test::application;
using test::tracedDatabase;

// Issue 19, compare two runs: seed004-bootloader-setway native (A) with xen (B). The Differences tab lists the 8
// stale-read findings as only in A, B's timeline follows A's range on one axis, and activating a difference
// frames both on it.
TEST(Compare, NativeAgainstXenShowsTheStaleReadFindingsOnlyInA)
{
    application();
    MainWindow window;
    window.resize(1200, 900);
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(tracedDatabase("seed004-bootloader-setway", "native").string())));
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
    // Drawn where they are: B's two flushes outlined on B's timeline, A's stale-read findings on A's, and the
    // first divergence (native's guest fails its check, xen's passes) marked on both.
    int outlinedFlushes = 0;
    for (const RowRef& row : compare->timelineB()->highlightedRows())
        outlinedFlushes += row.table == "flush" ? 1 : 0;
    EXPECT_EQ(outlinedFlushes, 2);
    int outlinedFindings = 0;
    for (const RowRef& row : window.timeline()->highlightedRows())
        outlinedFindings += row.table == "finding" ? 1 : 0;
    EXPECT_GE(outlinedFindings, 8);
    ASSERT_TRUE(compare->comparison().divergence.has_value());
    ASSERT_EQ(window.timeline()->marks().size(), 1u);
    EXPECT_EQ(window.timeline()->marks()[0].name, QStringLiteral("runs diverge"));
    EXPECT_EQ(window.timeline()->marks()[0].time, static_cast<double>(*compare->comparison().divergence->tsA));
    ASSERT_EQ(compare->timelineB()->marks().size(), 1u);

    // One axis: B's range follows A's, beyond A's own end too (B ran 7.6 ms, A under 1 ms).
    const double bEnd = compare->sourceB().bounds().end;
    ASSERT_GT(bEnd, window.source()->bounds().end);
    window.timeline()->setVisibleRange({100000, bEnd});
    EXPECT_EQ(window.timeline()->visibleRange(), (TimeRange{100000, bEnd}));
    EXPECT_EQ(compare->timelineB()->visibleRange(), window.timeline()->visibleRange());
    compare->timelineB()->setVisibleRange({200000, 300000});
    EXPECT_EQ(window.timeline()->visibleRange(), (TimeRange{200000, 300000}));

    ASSERT_GE(firstStale, 0);
    compare->activateDifference(firstStale);
    const analyzer::FindingDifference& d = compare->comparison().findings.at(static_cast<std::size_t>(firstStale));
    ASSERT_TRUE(d.tsA.has_value());
    EXPECT_TRUE(window.timeline()->visibleRange().contains(static_cast<double>(*d.tsA)));
    EXPECT_EQ(compare->timelineB()->visibleRange(), window.timeline()->visibleRange());
    ASSERT_TRUE(window.timeline()->selection().has_value());
    EXPECT_EQ(window.timeline()->selection()->row, (RowRef{"finding", *d.idA}));
}

} // namespace
} // namespace vcm::gui

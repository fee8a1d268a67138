// Issue 19's smaller items: marks have names, a list (the Marks tab) and the distance between neighbours; the
// timeline and the findings list have context menus. On the database of a real KVM trace (no LTTng needed).
#include "gui_test_support.h"

#include "vcm/gui/findings_model.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/marks_panel.h"
#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_widget.h"

#include <QAction>
#include <QLineEdit>
#include <QMenu>
#include <QTableWidget>
#include <QTest>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace {

namespace fs = std::filesystem;
using vcm::gui::MainWindow;
using vcm::gui::TimelineMarks;

QAction* actionStartingWith(const QMenu& menu, const QString& text)
{
    for (QAction* action : menu.actions())
        if (action->text().startsWith(text))
            return action;
    return nullptr;
}

TEST(TimelineMarks, AreNamedKeptInTimeOrderAndMeasureTheirDistance)
{
    TimelineMarks marks;
    EXPECT_EQ(marks.add(300), 0u);
    EXPECT_EQ(marks.add(100), 0u) << "kept in time order";
    EXPECT_EQ(marks.add(250), 1u);
    ASSERT_EQ(marks.all().size(), 3u);
    EXPECT_EQ(marks.all()[0].name, QStringLiteral("M2"));
    EXPECT_EQ(marks.all()[1].name, QStringLiteral("M3"));
    EXPECT_EQ(marks.all()[2].name, QStringLiteral("M1"));
    EXPECT_FALSE(marks.distanceFromPrevious(0).has_value());
    EXPECT_EQ(marks.distanceFromPrevious(1), 150);
    EXPECT_EQ(marks.distanceFromPrevious(2), 50);
    marks.rename(1, QStringLiteral("  flush starts "));
    EXPECT_EQ(marks.all()[1].name, QStringLiteral("flush starts"));
    marks.rename(1, QStringLiteral("   "));
    EXPECT_EQ(marks.all()[1].name, QStringLiteral("flush starts")) << "a blank name is refused";
    EXPECT_EQ(marks.near(260, 20), 1u);
    EXPECT_FALSE(marks.near(200, 20).has_value());
    marks.remove(0);
    EXPECT_EQ(marks.all().front().name, QStringLiteral("flush starts"));
    marks.clear();
    EXPECT_EQ(marks.all()[marks.add(5)].name, QStringLiteral("M1")) << "numbering starts again after a clear";
}

// A shown window with the reference database open.
class OpenWindow : public ::testing::Test {
protected:
    void SetUp() override
    {
        window.resize(1280, 800);
        window.show();
        const fs::path db = vcm::gui::test::referenceDatabase("6.12-neoverse-n1", "bootloader-setway");
        ASSERT_TRUE(window.openDatabase(QString::fromStdString(db.string())));
    }
    QApplication& application = vcm::gui::test::application(); // before any widget
    MainWindow window;
};

using Marks = OpenWindow;
using ContextMenus = OpenWindow;

TEST_F(Marks, TheTimelineMenuAddsMarksTheMarksTabListsThemWithDistancesAndEditsThem)
{
    vcm::gui::TimelineWidget& timeline = *window.timeline();
    const int x1 = timeline.plotLeft() + timeline.plotWidth() / 4;
    const int x2 = timeline.plotLeft() + timeline.plotWidth() / 2;
    for (const int x : {x1, x2}) {
        const auto menu = timeline.createContextMenu(QPoint(x, 60));
        QAction* add = actionStartingWith(*menu, QStringLiteral("Add mark at "));
        ASSERT_NE(add, nullptr);
        add->trigger();
    }
    ASSERT_EQ(timeline.marks().size(), 2u);
    EXPECT_EQ(timeline.marks()[0].name, QStringLiteral("M1"));
    EXPECT_NEAR(timeline.marks()[0].time, timeline.timeForX(x1), 1.0);
    const double distance = timeline.marks()[1].time - timeline.marks()[0].time;

    QTableWidget* table = window.marks()->table();
    ASSERT_EQ(table->rowCount(), 2);
    EXPECT_EQ(table->item(0, 0)->text(), QStringLiteral("M1"));
    EXPECT_EQ(table->item(1, 1)->text(), vcm::gui::formatTime(timeline.marks()[1].time));
    EXPECT_EQ(table->item(1, 2)->text(), vcm::gui::formatDuration(distance)) << "the distance from M1";
    table->item(1, 0)->setText(QStringLiteral("caches on"));
    EXPECT_EQ(timeline.marks()[1].name, QStringLiteral("caches on")) << "renamed in the list";

    // Right-clicking on a mark offers to remove it; Delete in the list removes the current one.
    const auto onMark = timeline.createContextMenu(QPoint(x1, 60));
    QAction* remove = actionStartingWith(*onMark, QStringLiteral("Remove mark M1"));
    ASSERT_NE(remove, nullptr);
    remove->trigger();
    ASSERT_EQ(timeline.marks().size(), 1u);
    EXPECT_EQ(table->rowCount(), 1);
    table->setCurrentCell(0, 1);
    QTest::keyClick(table, Qt::Key_Delete);
    EXPECT_TRUE(timeline.marks().empty());
    EXPECT_EQ(table->rowCount(), 0);
}

TEST_F(ContextMenus, TheTimelineMenuFramesAndCollapsesAndTheFindingsMenuFiltersAndMarks)
{
    vcm::gui::TimelineWidget& timeline = *window.timeline();

    // On a track: collapse its group; anywhere: the whole run.
    int track = -1;
    for (int t = 0; t < static_cast<int>(timeline.source()->tracks().size()) && track < 0; ++t)
        if (!timeline.trackRect(t).isEmpty())
            track = t;
    ASSERT_GE(track, 0);
    const QRect row = timeline.trackRect(track);
    timeline.setVisibleRange({0, timeline.visibleRange().width() / 4});
    const auto menu = timeline.createContextMenu(QPoint(timeline.plotLeft() + 10, row.center().y()));
    QAction* collapse = actionStartingWith(*menu, QStringLiteral("Collapse "));
    ASSERT_NE(collapse, nullptr);
    QAction* whole = actionStartingWith(*menu, QStringLiteral("Show the whole run"));
    ASSERT_NE(whole, nullptr);
    whole->trigger();
    EXPECT_EQ(timeline.visibleRange().end, static_cast<double>(timeline.source()->facts().endTs));
    collapse->trigger();
    EXPECT_TRUE(timeline.trackRect(track).isEmpty()) << "its group is collapsed";

    // The findings list: the real trace's no_oracle finding.
    ASSERT_GT(window.findings()->rowCount(), 0);
    int noOracle = -1;
    for (int r = 0; r < window.findings()->rowCount(); ++r)
        if (window.findings()->finding(r).kind == QStringLiteral("no_oracle"))
            noOracle = r;
    ASSERT_GE(noOracle, 0);
    const auto findingMenu = window.createFindingMenu(noOracle);
    QAction* only = actionStartingWith(*findingMenu, QStringLiteral("Show only no_oracle findings"));
    ASSERT_NE(only, nullptr);
    only->trigger();
    EXPECT_EQ(window.findingsFilter()->text(), QStringLiteral("no_oracle"));
    QAction* mark = actionStartingWith(*findingMenu, QStringLiteral("Mark its start"));
    ASSERT_NE(mark, nullptr);
    mark->trigger();
    ASSERT_EQ(timeline.marks().size(), 1u);
    EXPECT_EQ(timeline.marks()[0].time, static_cast<double>(window.findings()->finding(noOracle).ts));
    ASSERT_NE(actionStartingWith(*findingMenu, QStringLiteral("Show on the timeline")), nullptr);
    ASSERT_NE(actionStartingWith(*findingMenu, QStringLiteral("Copy the explanation")), nullptr);
}

} // namespace

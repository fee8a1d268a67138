// The main window opens as a real Qt window (offscreen platform) with its File menu and status.
#include "vcm/gui/details_panel.h"
#include "vcm/gui/main_window.h"

#include <QApplication>
#include <QMenu>
#include <QTest>

#include <gtest/gtest.h>

namespace {

TEST(MainWindow, ShowsWithFileMenuAndNoTraceStatus)
{
    int argc = 1;
    char name[] = "gui_main_window_test";
    char* argv[] = {name, nullptr};
    QApplication app(argc, argv);

    vcm::gui::MainWindow window;
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    EXPECT_EQ(window.windowTitle(), QStringLiteral("vcm"));
    EXPECT_EQ(window.statusText(), QStringLiteral("No trace open"));
    auto* fileMenu = window.findChild<QMenu*>(QStringLiteral("fileMenu"));
    ASSERT_NE(fileMenu, nullptr);
    EXPECT_FALSE(fileMenu->actions().isEmpty());

    // The Details panel gets as much of the bottom as the tabs beside it (issue 19: it was narrow), and stays
    // readable in a small window.
    window.resize(1280, 800);
    QApplication::processEvents();
    const int details = window.details()->width();
    const int tabs = window.findChild<QWidget*>(QStringLiteral("panels"))->width();
    EXPECT_GE(details * 10, tabs * 9) << "details " << details << " px beside tabs " << tabs << " px";
    window.resize(800, 600);
    QApplication::processEvents();
    EXPECT_GE(window.details()->width(), 320);
}

} // namespace

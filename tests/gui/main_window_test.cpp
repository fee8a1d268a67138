// The main window opens as a real Qt window (offscreen platform) with its File menu and status.
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
}

} // namespace

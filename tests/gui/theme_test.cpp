// The dark theme (issue 19): View > Dark Theme switches the timeline's chrome and the application's widgets together,
// is remembered, and vcm-gui --theme renders a screenshot in it. On a real KVM trace's database (no LTTng needed).
#include "gui_test_support.h"

#include "vcm/gui/application_theme.h"
#include "vcm/gui/legend_panel.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/timeline_palette.h"
#include "vcm/gui/timeline_widget.h"

#include <QAction>
#include <QImage>
#include <QLabel>
#include <QPalette>
#include <QTest>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace {

namespace fs = std::filesystem;
namespace palette = vcm::gui::palette;

bool isDark(const QColor& colour)
{
    return colour.lightness() < 80;
}

TEST(DarkTheme, TheViewMenuSwitchesTheTimelineTheWidgetsAndTheLegendAndIsRemembered)
{
    vcm::gui::test::application();
    vcm::gui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    const fs::path db = vcm::gui::test::referenceDatabase("6.12-neoverse-n1", "caches-on-shadow");
    ASSERT_TRUE(window.openDatabase(QString::fromStdString(db.string())));
    ASSERT_NE(window.darkThemeAction(), nullptr);
    EXPECT_FALSE(window.darkThemeAction()->isChecked());
    const QColor lightBackground = palette::chrome().background;
    EXPECT_FALSE(isDark(lightBackground));

    window.darkThemeAction()->trigger();
    EXPECT_EQ(palette::theme(), palette::Theme::Dark);
    EXPECT_TRUE(isDark(palette::chrome().background));
    EXPECT_TRUE(isDark(QApplication::palette().color(QPalette::Window))) << "the panels follow";
    EXPECT_FALSE(isDark(QApplication::palette().color(QPalette::WindowText)));
    // The timeline paints the dark chrome: the ruler's corner and the plot's empty bottom.
    const QImage frame = window.timeline()->grab().toImage();
    EXPECT_EQ(frame.pixelColor(2, 2), palette::chrome().labelBackground);
    EXPECT_EQ(frame.pixelColor(frame.width() - 30, frame.height() - 3), palette::chrome().background);
    // Item colours keep their meaning; the legend's swatches are drawn again (the marker swatch is light now).
    EXPECT_EQ(palette::itemColour(vcm::gui::TrackKind::StaleReads, 0), palette::kStaleRead);
    bool markerSwatch = false;
    for (const QLabel* label : window.legend()->findChildren<QLabel*>())
        if (!label->pixmap().isNull() && label->pixmap().toImage().pixelColor(5, 5) == palette::chrome().marker)
            markerSwatch = true;
    EXPECT_TRUE(markerSwatch);
    EXPECT_EQ(vcm::gui::MainWindow::rememberedTheme(), palette::Theme::Dark);

    window.darkThemeAction()->trigger();
    EXPECT_EQ(palette::theme(), palette::Theme::Light);
    EXPECT_EQ(palette::chrome().background, lightBackground);
    EXPECT_FALSE(isDark(QApplication::palette().color(QPalette::Window)));
    EXPECT_EQ(vcm::gui::MainWindow::rememberedTheme(), palette::Theme::Light);
}

TEST(DarkTheme, TheCommandLineRendersAScreenshotInItAndRefusesAnUnknownTheme)
{
    const fs::path db = vcm::gui::test::referenceDatabase("6.12-neoverse-n1", "caches-on-shadow");
    const fs::path png = vcm::gui::test::workDirectory() / "dark.png";
    const std::string gui = std::string(VCM_GUI_BINARY);
    ASSERT_EQ(std::system((gui + " --theme dark --screenshot " + png.string() + " --size 800x400 " + db.string() +
                           " > /dev/null 2>&1").c_str()),
              0);
    const QImage image(QString::fromStdString(png.string()));
    ASSERT_FALSE(image.isNull());
    palette::setTheme(palette::Theme::Dark);
    EXPECT_EQ(image.pixelColor(2, 2), palette::chrome().labelBackground);
    palette::setTheme(palette::Theme::Light);
    const int refused = std::system((gui + " --theme purple --screenshot " + png.string() + " " + db.string() +
                                     " > /dev/null 2>&1").c_str());
    EXPECT_EQ(WEXITSTATUS(refused), 2);
}

} // namespace

// vcm-gui: the timeline viewer. Thin: parses the command line, then builds the main window, or renders a
// screenshot or runs the benchmark without a display.
//   vcm-gui [run.db | TRACE_DIR | net://URL]
//   vcm-gui --screenshot out.png [--range A:B] [--size WxH] [--window] run.db
//   vcm-gui --benchmark [--size WxH] run.db
#include "vcm/gui/ingest_job.h"
#include "vcm/gui/application_theme.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/offscreen_render.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTextStream>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace {

// Modes that open no window (renders, benchmarks, --help, --version) must not need a display: choose the
// offscreen platform before QApplication exists, unless the user chose one. Without it Qt aborts (SIGABRT)
// when no display is reachable. Returns whether one of those modes was asked for.
bool preferOffscreenWhenHeadless(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        for (const char* windowless : {"--screenshot", "--benchmark", "--help", "-h", "--help-all", "--version", "-v"}) {
            if (std::strcmp(argv[i], windowless) != 0)
                continue;
            if (std::getenv("QT_QPA_PLATFORM") == nullptr)
                ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
            return true;
        }
    }
    return false;
}

// The window needs a display; without one Qt's xcb platform aborts the process. Say so instead.
bool displayReachable()
{
    return std::getenv("QT_QPA_PLATFORM") != nullptr || std::getenv("DISPLAY") != nullptr ||
           std::getenv("WAYLAND_DISPLAY") != nullptr;
}

} // namespace

int main(int argc, char** argv)
{
    if (!preferOffscreenWhenHeadless(argc, argv) && !displayReachable()) {
        std::fputs("vcm-gui: no display (DISPLAY and WAYLAND_DISPLAY are unset): run it in a desktop session, or "
                   "render without one: vcm-gui --screenshot out.png SOURCE\n",
                   stderr);
        return 2;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("vcm-gui"));
    QApplication::setApplicationVersion(QStringLiteral(VCM_VERSION));
    QApplication::setOrganizationName(QStringLiteral("vcm"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("vcm timeline viewer"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("source"), QStringLiteral("a trace database, a trace directory or a net:// live URL"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render to this file (PNG, or SVG when it ends in .svg) and exit"), QStringLiteral("file"));
    const QCommandLineOption range(QStringLiteral("range"), QStringLiteral("Visible range A:B (ns, or with ns/us/ms/s)"), QStringLiteral("A:B"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Image size WxH (default 1600x900)"), QStringLiteral("WxH"));
    const QCommandLineOption window(QStringLiteral("window"), QStringLiteral("Screenshot the whole window, not only the timeline"));
    const QCommandLineOption benchmark(QStringLiteral("benchmark"), QStringLiteral("Print frame timings for the database and exit"));
    const QCommandLineOption compare(QStringLiteral("compare"), QStringLiteral("Compare with a second run (B): its tracks paired with A's on one timeline, and a Differences tab"), QStringLiteral("B"));
    const QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("light or dark (default: the last one chosen in View, else light)"), QStringLiteral("name"));
    parser.addOptions({screenshot, range, size, window, benchmark, compare, theme});
    parser.process(app);
    const QStringList positional = parser.positionalArguments();
    QTextStream err(stderr);
    QTextStream out(stdout);
    // Screenshots use --theme or light, never a remembered choice, so that they are the same on every machine.
    std::optional<vcm::gui::palette::Theme> chosenTheme;
    if (parser.isSet(theme) && !(chosenTheme = vcm::gui::parseTheme(parser.value(theme)))) {
        err << "vcm-gui: --theme wants light or dark, got '" << parser.value(theme) << "'\n";
        return 2;
    }
    if (chosenTheme)
        vcm::gui::applyApplicationTheme(*chosenTheme);

    std::optional<QSize> imageSize = QSize(1600, 900);
    if (parser.isSet(size) && !(imageSize = vcm::gui::parseSize(parser.value(size)))) {
        err << "vcm-gui: --size wants WxH (400x200 to 16384x16384), got '" << parser.value(size) << "'\n";
        return 2;
    }
    if (parser.isSet(screenshot) || parser.isSet(benchmark)) {
        if (positional.size() != 1) {
            err << "vcm-gui: --screenshot and --benchmark need one trace database or trace directory\n";
            return 2;
        }
        try {
            // A trace directory (or live URL) is ingested first, as the window does when it opens one.
            QString database = positional.first();
            if (!QFileInfo(database).isFile())
                database = vcm::gui::IngestJob::ingestNow(database);
            if (parser.isSet(benchmark))
                return vcm::gui::runBenchmark({database, *imageSize, 1000, 100}, out);
            vcm::gui::ScreenshotOptions options{database, parser.value(screenshot), std::nullopt, *imageSize,
                                                parser.isSet(window), {}};
            if (parser.isSet(compare)) {
                options.compare = parser.value(compare);
                if (!QFileInfo(options.compare).isFile())
                    options.compare = vcm::gui::IngestJob::ingestNow(options.compare);
            }
            if (parser.isSet(range) && !(options.range = vcm::gui::parseRange(parser.value(range)))) {
                err << "vcm-gui: --range wants A:B with A < B, got '" << parser.value(range) << "'\n";
                return 2;
            }
            vcm::gui::writeScreenshot(options);
            return 0;
        } catch (const std::exception& error) {
            err << "vcm-gui: " << error.what() << "\n";
            return 1;
        }
    }

    vcm::gui::MainWindow mainWindow;
    if (!chosenTheme)
        chosenTheme = vcm::gui::MainWindow::rememberedTheme();
    if (chosenTheme)
        mainWindow.setTheme(*chosenTheme);
    mainWindow.show();
    if (parser.isSet(compare)) {
        // A comparison needs run A open first: a trace directory is ingested here rather than in the background.
        if (positional.size() != 1) {
            err << "vcm-gui: --compare B needs run A: vcm-gui A --compare B\n";
            return 2;
        }
        QString a = positional.first();
        try {
            if (!QFileInfo(a).isFile())
                a = vcm::gui::IngestJob::ingestNow(a);
        } catch (const std::exception& error) {
            err << "vcm-gui: " << error.what() << "\n";
            return 2;
        }
        if (!mainWindow.openDatabase(a) || !mainWindow.compareWith(parser.value(compare))) {
            err << "vcm-gui: " << mainWindow.statusText() << "\n";
            return 2;
        }
    } else if (!positional.isEmpty()) {
        mainWindow.openSource(positional.first());
    }
    return QApplication::exec();
}

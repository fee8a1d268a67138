// Rendering without a display: `vcm-gui --screenshot` (docs and CI artefacts) and `vcm-gui --benchmark`
// (time to first frame, frame times while zooming and panning, peak memory).
#pragma once

#include "vcm/gui/time_range.h"

#include <QImage>
#include <QSize>
#include <QString>

#include <optional>

class QTextStream;

namespace vcm::gui {

struct ScreenshotOptions {
    QString database;
    QString output;
    std::optional<TimeRange> range;   // default: the whole run
    QSize size{1600, 900};
    bool wholeWindow = false;         // the main window with its panels, not only the timeline
    QString compare;                  // a second run (B) to compare with: implies the whole window
};

// Parses "A:B" (ns, or with a unit suffix ns/us/ms/s on each side, e.g. "1ms:2.5ms").
std::optional<TimeRange> parseRange(const QString& text);
// Parses "WxH".
std::optional<QSize> parseSize(const QString& text);

// Renders the timeline (or window) of the database to an image. Throws db::DatabaseError.
QImage renderScreenshot(const ScreenshotOptions& options);
// Writes the screenshot to options.output: SVG (vector) when it ends in .svg, else PNG. Throws
// db::DatabaseError for the database, std::runtime_error when the file cannot be written.
void writeScreenshot(const ScreenshotOptions& options);

struct BenchmarkOptions {
    QString database;
    QSize size{1600, 900};
    double finestWidthNs = 1000;  // zoom until the visible width is this (1 us)
    int panFrames = 100;
};

// Prints the figures to `out`; returns the process exit status.
int runBenchmark(const BenchmarkOptions& options, QTextStream& out);

// Peak resident set size of this process (VmHWM), in KiB; 0 when /proc is unavailable.
long peakResidentKiB();

} // namespace vcm::gui

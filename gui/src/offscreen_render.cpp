#include "vcm/gui/offscreen_render.h"
#include "vcm/gui/svg_export.h"

#include "vcm/gui/main_window.h"
#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_widget.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QPainter>
#include <QRegularExpression>
#include <QTextStream>

#include <algorithm>
#include <stdexcept>
#include <cmath>
#include <vector>

namespace vcm::gui {

namespace {

std::optional<double> parseTime(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("^\\s*([0-9]+(?:\\.[0-9]*)?)\\s*(ns|us|ms|s)?\\s*$"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    const double value = match.captured(1).toDouble();
    const QString unit = match.captured(2);
    const double scale = unit == QLatin1String("s") ? 1e9 : unit == QLatin1String("ms") ? 1e6 : unit == QLatin1String("us") ? 1e3 : 1;
    return value * scale;
}

struct FrameTimes {
    std::vector<double> ms;

    void add(double value) { ms.push_back(value); }
    double mean() const
    {
        double sum = 0;
        for (const double v : ms)
            sum += v;
        return ms.empty() ? 0 : sum / static_cast<double>(ms.size());
    }
    double percentile(double p) const
    {
        if (ms.empty())
            return 0;
        std::vector<double> sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        const auto index = static_cast<std::size_t>(std::min(p * static_cast<double>(sorted.size()), static_cast<double>(sorted.size() - 1)));
        return sorted[index];
    }
    double max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

double renderFrame(TimelineWidget& timeline, QImage& image)
{
    QElapsedTimer timer;
    timer.start();
    image.fill(Qt::white);
    QPainter painter(&image);
    timeline.render(&painter);
    painter.end();
    return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

void print(QTextStream& out, const char* what, const FrameTimes& frames)
{
    out << QStringLiteral("%1: %2 frames, mean %3 ms, p95 %4 ms, max %5 ms\n")
               .arg(QLatin1String(what))
               .arg(frames.ms.size())
               .arg(frames.mean(), 0, 'f', 2)
               .arg(frames.percentile(0.95), 0, 'f', 2)
               .arg(frames.max(), 0, 'f', 2);
}

} // namespace

std::optional<TimeRange> parseRange(const QString& text)
{
    const QStringList parts = text.split(QLatin1Char(':'));
    if (parts.size() != 2)
        return std::nullopt;
    const auto start = parseTime(parts[0]);
    const auto end = parseTime(parts[1]);
    if (!start || !end || *end <= *start)
        return std::nullopt;
    return TimeRange{*start, *end};
}

std::optional<QSize> parseSize(const QString& text)
{
    const QStringList parts = text.toLower().split(QLatin1Char('x'));
    if (parts.size() != 2)
        return std::nullopt;
    bool okWidth = false;
    bool okHeight = false;
    const int width = parts[0].toInt(&okWidth);
    const int height = parts[1].toInt(&okHeight);
    if (!okWidth || !okHeight || width < 400 || height < 200 || width > 16384 || height > 16384)
        return std::nullopt;
    return QSize(width, height);
}

namespace {

// Sets up what a screenshot shows (the timeline alone, or the whole window) and hands it to `use`.
template <typename Use>
auto withScreenshotWidget(const ScreenshotOptions& options, Use use)
{
    if (options.wholeWindow || !options.compare.isEmpty()) {
        MainWindow window;
        window.timeline()->setBackgroundSampling(false); // a screenshot is one complete frame
        if (!window.openDatabase(options.database))
            throw db::DatabaseError(window.statusText().toStdString());
        if (!options.compare.isEmpty()) {
            if (!window.compareWith(options.compare))
                throw db::DatabaseError(window.statusText().toStdString());
        }
        window.resize(options.size);
        window.show();
        if (options.range)
            window.timeline()->setVisibleRange(*options.range);
        return use(static_cast<QWidget&>(window));
    }
    TraceSource source(options.database.toStdString());
    TimelineWidget timeline;
    timeline.resize(options.size);
    timeline.setSource(&source);
    if (options.range)
        timeline.setVisibleRange(*options.range);
    auto result = use(static_cast<QWidget&>(timeline));
    timeline.setSource(nullptr);
    return result;
}

} // namespace

QImage renderScreenshot(const ScreenshotOptions& options)
{
    return withScreenshotWidget(options, [](QWidget& widget) { return widget.grab().toImage(); });
}

void writeScreenshot(const ScreenshotOptions& options)
{
    const bool svg = options.output.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive);
    const bool written = withScreenshotWidget(options, [&](QWidget& widget) {
        return svg ? writeWidgetSvg(widget, options.output, QStringLiteral("vcm timeline ") + options.database)
                   : widget.grab().save(options.output, "PNG");
    });
    if (!written)
        throw std::runtime_error("cannot write " + options.output.toStdString());
}

long peakResidentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLong();
    }
    return 0;
}

int runBenchmark(const BenchmarkOptions& options, QTextStream& out)
{
    out << "database: " << options.database << "\n";
    out << "peak RSS before opening: " << peakResidentKiB() << " KiB\n";
    QElapsedTimer open;
    open.start();
    TraceSource source(options.database.toStdString());
    const double openMs = static_cast<double>(open.nsecsElapsed()) / 1e6;
    TimelineWidget timeline;
    timeline.resize(options.size);
    timeline.setSource(&source);
    // The densest tracks are the vCPUs' (traps, markers): collapse the groups without them so the frames draw
    // as many of those as fit, not mostly empty core rows.
    const auto& groups = source.groups();
    const bool anyTraps = timeline.findTrack(TrackKind::VcpuTraps) >= 0;
    for (std::size_t g = 1; anyTraps && g < groups.size(); ++g) {
        const bool dense = std::any_of(groups[g].tracks.begin(), groups[g].tracks.end(), [&](int track) {
            return source.tracks()[static_cast<std::size_t>(track)].kind == TrackKind::VcpuTraps;
        });
        timeline.setGroupCollapsed(static_cast<int>(g), !dense);
    }
    if (anyTraps)
        timeline.scrollToTrack(timeline.findTrack(TrackKind::VcpuTraps));
    QImage image(options.size, QImage::Format_ARGB32_Premultiplied);
    const double firstFrameMs = renderFrame(timeline, image);
    const double toFirstFrameMs = static_cast<double>(open.nsecsElapsed()) / 1e6;
    int visibleTracks = 0;
    std::int64_t visibleRows = 0;
    for (std::size_t track = 0; track < source.tracks().size(); ++track) {
        if (timeline.trackRect(static_cast<int>(track)).isEmpty())
            continue;
        ++visibleTracks;
        visibleRows += source.countRows(static_cast<int>(track), timeline.visibleRange());
    }
    out << QStringLiteral("tracks: %1 (%2 on screen, %3 rows in them over the run), run: %4\n")
               .arg(source.tracks().size())
               .arg(visibleTracks)
               .arg(visibleRows)
               .arg(formatDuration(static_cast<double>(source.facts().endTs)));
    out << QStringLiteral("time to first frame: %1 ms (open and catalogue %2 ms, first frame %3 ms)\n")
               .arg(toFirstFrameMs, 0, 'f', 1)
               .arg(openMs, 0, 'f', 1)
               .arg(firstFrameMs, 0, 'f', 1);

    // Zoom from the whole run to the finest width, one W press per frame, at the middle of the run.
    FrameTimes zoom;
    while (timeline.visibleRange().width() / kZoomStepFactor >= options.finestWidthNs) {
        timeline.zoomStep(1, 0.5);
        zoom.add(renderFrame(timeline, image));
    }
    print(out, "zoom whole run -> 1 us (one W per frame)", zoom);

    FrameTimes panFine;
    for (int i = 0; i < options.panFrames; ++i) {
        timeline.panStep(i < options.panFrames / 2 ? 1 : -1);
        panFine.add(renderFrame(timeline, image));
    }
    print(out, "pan at 1 us (one A/D per frame)", panFine);

    // Panning zoomed out to 1% of the run: many rows per pixel, the sampler's worst case.
    const TimeBounds bounds = source.bounds();
    const double width = (bounds.end - bounds.start) / 100;
    timeline.setVisibleRange({bounds.start + width * 10, bounds.start + width * 11});
    FrameTimes panCoarse;
    for (int i = 0; i < options.panFrames; ++i) {
        timeline.panStep(1);
        panCoarse.add(renderFrame(timeline, image));
    }
    print(out, "pan at 1% of the run (one D per frame)", panCoarse);

    timeline.showWholeRun();
    FrameTimes whole;
    for (int i = 0; i < 10; ++i) {
        timeline.zoomStep(i % 2 == 0 ? 1 : -1, 0.3);
        whole.add(renderFrame(timeline, image));
    }
    print(out, "whole run, zoom in/out", whole);

    // The interactive window samples in the background (BackgroundTrackSampler): a frame costs the drawing of
    // what it has; the results for the new range follow, and the frame after them is complete.
    timeline.setBackgroundSampling(true);
    timeline.showWholeRun();
    timeline.sampleVisibleNow();
    FrameTimes backgroundFrames;
    FrameTimes backgroundComplete;
    while (timeline.visibleRange().width() / kZoomStepFactor >= options.finestWidthNs) {
        timeline.zoomStep(1, 0.5);
        QElapsedTimer untilComplete;
        untilComplete.start();
        backgroundFrames.add(renderFrame(timeline, image));
        while (!timeline.visibleItemsComplete())
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        backgroundFrames.add(renderFrame(timeline, image));
        backgroundComplete.add(static_cast<double>(untilComplete.nsecsElapsed()) / 1e6);
    }
    print(out, "background sampling, zoom whole run -> 1 us: frames on the UI thread", backgroundFrames);
    print(out, "background sampling, zoom whole run -> 1 us: range change to complete frame", backgroundComplete);
    out << "peak RSS: " << peakResidentKiB() << " KiB\n";
    timeline.setSource(nullptr);
    return 0;
}

} // namespace vcm::gui

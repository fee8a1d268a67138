// Without LTTng: the navigation arithmetic, the ruler's labels, and the level-of-detail sampler on synthetic
// databases big enough that reading every row would show (the sampler must stay within a few rows per pixel).
#include "vcm/db/schema.h"
#include "vcm/gui/event_table_model.h"
#include "vcm/gui/offscreen_render.h"
#include "vcm/gui/time_format.h"
#include "vcm/gui/time_range.h"
#include "vcm/gui/timeline_widget.h"
#include "vcm/gui/trace_source.h"

#include <QApplication>
#include <QFile>
#include <QRegularExpression>
#include <QElapsedTimer>

#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

namespace vcm::gui {
namespace {

QApplication& application()
{
    static int argc = 1;
    static char name[] = "gui_unit_test";
    static char* argv[] = {name, nullptr};
    static QApplication app(argc, argv);
    return app;
}

TEST(TimeRange, ZoomKeepsTheAnchorAndPanMovesByTheFraction)
{
    const TimeBounds bounds{0, 1e9};
    const TimeRange range{1e8, 2e8};
    const TimeRange in = zoomed(range, kZoomStepFactor, 0.25, bounds);
    EXPECT_DOUBLE_EQ(in.width(), 1e8 / 1.25);
    EXPECT_DOUBLE_EQ(in.start + 0.25 * in.width(), 1.25e8);
    const TimeRange out = zoomed(in, 1 / kZoomStepFactor, 0.25, bounds);
    EXPECT_NEAR(out.start, range.start, 1e-6);
    EXPECT_NEAR(out.end, range.end, 1e-6);
    EXPECT_EQ(panned(range, kPanStepFraction, bounds), (TimeRange{1.1e8, 2.1e8}));
    // Clamped to the bounds and to the minimum width.
    EXPECT_EQ(panned({0, 1e8}, -kPanStepFraction, bounds), (TimeRange{0, 1e8}));
    EXPECT_EQ(zoomed({0, 1e9}, 1 / kZoomStepFactor, 0.5, bounds), (TimeRange{0, 1e9}));
    EXPECT_DOUBLE_EQ(zoomed({100, 110}, kZoomStepFactor, 0.5, bounds).width(), kMinimumWidthNs);
}

TEST(TimeFormat, UnitsAdaptFromNanosecondsToSeconds)
{
    EXPECT_EQ(formatDuration(650), QStringLiteral("650 ns"));
    EXPECT_EQ(formatDuration(1250), QStringLiteral("1.250 us"));
    EXPECT_EQ(formatDuration(72351744), QStringLiteral("72.352 ms"));
    EXPECT_EQ(formatDuration(2448020720), QStringLiteral("2.448 s"));
    EXPECT_EQ(rulerStep(1, 90), 100);
    EXPECT_EQ(rulerStep(1000, 90), 100000);
    EXPECT_EQ(rulerStep(3000, 90), 500000);
    EXPECT_EQ(formatTick(2.5e6, 5e5), QStringLiteral("2.5 ms"));
    EXPECT_EQ(formatTick(3e9, 1e9), QStringLiteral("3 s"));
    EXPECT_EQ(parseRange(QStringLiteral("1ms:2.5ms")), (TimeRange{1e6, 2.5e6}));
    EXPECT_EQ(parseRange(QStringLiteral("100:200")), (TimeRange{100, 200}));
    EXPECT_FALSE(parseRange(QStringLiteral("200:100")).has_value());
    EXPECT_EQ(parseSize(QStringLiteral("800x600")), QSize(800, 600));
}

// A database with `slices` back-to-back 100 ns vCPU slices on core 0 and one trap per slice.
std::filesystem::path syntheticDatabase(int slices)
{
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("vcm-gui-unit-" + std::to_string(::getpid()) + "-" + std::to_string(slices) + ".db");
    std::filesystem::remove(file);
    db::Database database(file, db::Database::Mode::Create);
    db::createSchema(database);
    db::Transaction transaction(database);
    database.exec("INSERT INTO run (id, scenario, policy, end_ts, complete) VALUES (1, 'synthetic', 'none', " +
                  std::to_string(static_cast<std::int64_t>(slices) * 100) + ", 1)");
    database.exec("INSERT INTO core (id, cluster) VALUES (0, 0)");
    database.exec("INSERT INTO vm (id, name) VALUES (0, 'd1')");
    database.exec("INSERT INTO vcpu (id, vm, idx, name) VALUES (0, 0, 0, 'd1v0'), (1, 0, 1, 'd1v1')");
    db::Statement slice = database.prepare("INSERT INTO sched_slice (ts, dur, core, vcpu_id) VALUES (?1, 100, 0, ?2)");
    db::Statement trap = database.prepare("INSERT INTO trap (ts, vcpu_id, core, kind, detail, what, operand, old_value, "
                                          "new_value, caches_on) VALUES (?1, 0, 0, 'setway', 0, 'DC CISW', 0, 0, 0, 0)");
    for (int i = 0; i < slices; ++i) {
        slice.bind(1, std::int64_t{i} * 100).bind(2, std::int64_t{i % 2});
        slice.run();
        trap.bind(1, std::int64_t{i} * 100 + 50);
        trap.run();
    }
    transaction.commit();
    db::createIndexes(database);
    return file;
}

TEST(Sampler, AtMostTwoSummariesPerPixelColumnAndExactWhenZoomedIn)
{
    application();
    const auto file = syntheticDatabase(200000);
    TraceSource source(file);
    const int slices = [&] {
        for (std::size_t i = 0; i < source.tracks().size(); ++i) {
            if (source.tracks()[i].kind == TrackKind::CoreVcpu)
                return static_cast<int>(i);
        }
        return -1;
    }();
    const int traps = [&] {
        for (std::size_t i = 0; i < source.tracks().size(); ++i) {
            if (source.tracks()[i].kind == TrackKind::VcpuTraps)
                return static_cast<int>(i);
        }
        return -1;
    }();
    ASSERT_GE(slices, 0);
    ASSERT_GE(traps, 0);
    // Whole run (20 ms) on 1000 px: 200 slices per pixel; the summaries cover the run without gaps.
    const TimeRange whole{0, 2e7};
    const auto items = source.sample(slices, whole, 1000);
    EXPECT_LE(items.size(), 2000u);
    EXPECT_GE(items.size(), 500u);
    EXPECT_EQ(items.front().ts, 0);
    EXPECT_EQ(items.back().end, 20000000);
    for (std::size_t i = 1; i < items.size(); ++i) {
        EXPECT_LE(items[i].ts, items[i - 1].end + 20000) << "no gap wider than a pixel at " << i;
    }
    EXPECT_LE(source.sample(traps, whole, 1000).size(), 1000u);
    // Zoomed to 10 us on 1000 px: 100 slices of 100 px each, one item per row, exact counts.
    const TimeRange fine{5e6, 5.01e6};
    const auto zoomedIn = source.sample(slices, fine, 1000);
    ASSERT_EQ(zoomedIn.size(), 100u);
    for (const TrackItem& item : zoomedIn) {
        EXPECT_EQ(item.rows, 1);
        EXPECT_TRUE(item.rowsExact);
        EXPECT_EQ(item.end - item.ts, 100);
    }
    // A range starting inside a slice shows that slice from the left edge.
    const auto clipped = source.sample(slices, {5e6 + 50, 5.01e6 + 50}, 1000);
    ASSERT_FALSE(clipped.empty());
    EXPECT_EQ(clipped.front().ts, 5000000);
    std::filesystem::remove(file);
}

// A state band whose first interval is far below a pixel (caches off for 651 us of a 2.4 s run) must be
// drawn as the state that fills the column (caches on), not as its first, sub-pixel state.
TEST(Sampler, AMergedSummaryShowsTheRowThatCoversMostOfIt)
{
    application();
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("vcm-gui-unit-dominant-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(file);
    {
        db::Database database(file, db::Database::Mode::Create);
        db::createSchema(database);
        database.exec("INSERT INTO run (id, scenario, policy, end_ts, complete) VALUES (1, 's', 'kvm', 2448020720, 1)");
        database.exec("INSERT INTO vm (id, name) VALUES (0, 'storm')");
        database.exec("INSERT INTO vcpu (id, vm, idx, name) VALUES (1, 0, 0, 'stormv0')");
        database.exec("INSERT INTO sctlr_state (ts, dur, vcpu_id, value, m, c, i, state, open) VALUES "
                      "(0, 651186, 1, 818939904, 0, 0, 0, 'off', 0), "
                      "(651186, 2447369534, 1, 818944005, 1, 1, 1, 'mmu_caches', 1)");
        db::createIndexes(database);
    }
    TraceSource source(file);
    int sctlr = -1;
    for (std::size_t i = 0; i < source.tracks().size(); ++i)
        if (source.tracks()[i].kind == TrackKind::VcpuSctlr)
            sctlr = static_cast<int>(i);
    ASSERT_GE(sctlr, 0);
    const auto whole = source.sample(sctlr, {0, 2448020720.0}, 1200);
    ASSERT_EQ(whole.size(), 1u) << "both intervals start in the first column";
    EXPECT_EQ(whole.front().label, QStringLiteral("mmu_caches"));
    EXPECT_EQ(whole.front().end, 2448020720);
    const auto zoomed = source.sample(sctlr, {0, 2e6}, 1200);
    ASSERT_EQ(zoomed.size(), 2u) << "zoomed in, each state is its own item";
    EXPECT_EQ(zoomed.front().label, QStringLiteral("off"));
    std::filesystem::remove(file);
}

// The SVG export is vector graphics: the slices are shapes in the file, not an embedded picture.
TEST(SvgExport, TheTimelineIsWrittenAsShapes)
{
    application();
    const auto file = syntheticDatabase(1000);
    const std::filesystem::path svg = std::filesystem::temp_directory_path() /
                                      ("vcm-gui-unit-" + std::to_string(::getpid()) + ".svg");
    ScreenshotOptions options{QString::fromStdString(file.string()), QString::fromStdString(svg.string()),
                              TimeRange{0, 5000}, QSize(800, 300), false};
    writeScreenshot(options);
    QFile in(QString::fromStdString(svg.string()));
    ASSERT_TRUE(in.open(QIODevice::ReadOnly));
    const QByteArray text = in.readAll();
    EXPECT_TRUE(text.contains("<svg"));
    // No embedded raster of the timeline: the only images are the scroll bar's arrows, a few pixels wide.
    const QRegularExpression images(QStringLiteral("<image[^>]* width=\"(\\d+)\""));
    for (auto match = images.globalMatch(QString::fromUtf8(text)); match.hasNext();)
        EXPECT_LE(match.next().captured(1).toInt(), 16);
    EXPECT_TRUE(text.contains("d1v0")) << "slice labels are text";
    EXPECT_GE(text.count("<path") + text.count("<rect") + text.count("<polygon"), 50) << "50 slices of 100 ns are shapes";
    std::filesystem::remove(file);
    std::filesystem::remove(svg);
}

TEST(Sampler, TimelineOverAMillionRowsDrawsFast)
{
    application();
    const auto file = syntheticDatabase(1000000);
    TraceSource source(file);
    TimelineWidget timeline;
    timeline.resize(1600, 600);
    timeline.setSource(&source);
    QImage image(timeline.size(), QImage::Format_ARGB32_Premultiplied);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 10; ++i) {
        timeline.zoomStep(1, 0.5);
        timeline.render(&image);
    }
    // Generous for a shared CI machine; the benchmark reports the real figures.
    EXPECT_LT(timer.elapsed(), 2000) << "10 frames over 2 million rows";
    EventTableModel model;
    model.setSource(&source);
    model.setTable("sched_slice");
    EXPECT_EQ(model.rowCount(), 1000000);
    EXPECT_EQ(model.rowId(999999), 1000000);
    timeline.setSource(nullptr);
    std::filesystem::remove(file);
}

} // namespace
} // namespace vcm::gui

// Without LTTng: the navigation arithmetic, the ruler's labels, and the level-of-detail sampler on synthetic
// databases big enough that reading every row would show (the sampler must stay within a few rows per pixel).
#include "vcm/db/schema.h"
#include "vcm/gui/event_table_model.h"
#include "vcm/gui/offscreen_render.h"
#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_palette.h"
#include "vcm/gui/time_range.h"
#include "vcm/gui/timeline_widget.h"
#include "vcm/gui/trace_source.h"
#include "vcm/gui/track_pairing.h"

#include <QApplication>
#include <QFile>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

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
    // Zoomed in far from 0 the ruler counts from the view's first tick (issue 19: "73182 us" labels).
    EXPECT_FALSE(rulerOrigin(2.5e6, 5e5).has_value());
    const std::optional<double> origin = rulerOrigin(73'181'500, 1000);
    ASSERT_TRUE(origin.has_value());
    EXPECT_EQ(*origin, 73'182'000);
    EXPECT_EQ(formatRulerLabel(73'182'000, 1000, origin), QStringLiteral("73.182 ms"));
    EXPECT_EQ(formatRulerLabel(73'184'000, 1000, origin), QStringLiteral("+2 us"));
    EXPECT_EQ(formatRulerLabel(2.5e6, 5e5, std::nullopt), QStringLiteral("2.5 ms"));
    EXPECT_EQ(formatRulerLabel(1'500'000'020, 20, rulerOrigin(1'500'000'010, 20)), QStringLiteral("1.50000002 s"));
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
                              TimeRange{0, 5000}, QSize(800, 300), false, {}};
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

// sched_slice rows whose sort columns repeat and hold NULLs: ts repeats in threes (page boundaries fall inside the
// runs, 256 not being a multiple of 3), core and vcpu_id take four values, end_reason is NULL every 7th row, and
// instructions (indexed here, INTEGER affinity) mixes NULLs, repeated integers, reals and text, which SQLite
// orders NULL < numbers < text.
std::filesystem::path eventTableDatabase(int rows)
{
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("vcm-gui-unit-events-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(file);
    db::Database database(file, db::Database::Mode::Create);
    db::createSchema(database);
    db::Transaction transaction(database);
    database.exec("INSERT INTO run (id, scenario, policy, end_ts, complete) VALUES (1, 'synthetic', 'none', " +
                  std::to_string(static_cast<std::int64_t>(rows) * 100) + ", 1)");
    database.exec("INSERT INTO core (id, cluster) VALUES (0, 0), (1, 0), (2, 0), (3, 0)");
    database.exec("INSERT INTO vm (id, name) VALUES (0, 'd1'), (1, 'd2')");
    database.exec(
        "INSERT INTO vcpu (id, vm, idx, name) VALUES (0, 0, 0, 'd1v0'), (1, 0, 1, 'd1v1'), (2, 1, 0, 'd2v0'), "
        "(3, 1, 1, 'd2v1')");
    db::Statement slice = database.prepare("INSERT INTO sched_slice (ts, dur, core, vcpu_id, end_reason, instructions, "
                                           "open) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    const char* const reasons[] = {"preempt", "yield", "halt"};
    for (int i = 0; i < rows; ++i) {
        slice.bind(1, std::int64_t{i / 3} * 100).bind(2, std::int64_t{100 + i % 50}).bind(3, std::int64_t{i % 4});
        slice.bind(4, std::int64_t{i * 7 % 4}).bind(7, std::int64_t{i % 2});
        if (i % 7 == 0)
            slice.bindNull(5);
        else
            slice.bind(5, reasons[i % 3]);
        if (i % 5 == 0)
            slice.bindNull(6);
        else if (i % 11 == 0)
            slice.bind(6, "n/a");
        else if (i % 13 == 0)
            slice.bind(6, i % 17 + 0.5);
        else
            slice.bind(6, std::int64_t{i} * 7919 % 1000);
        slice.run();
    }
    transaction.commit();
    db::createIndexes(database);
    database.exec("CREATE INDEX sched_slice_instructions ON sched_slice (instructions)");
    return file;
}

// What the model must show: every row of the table under the condition, ordered by one plain query.
std::vector<QStringList> orderedRows(db::Database& database, const std::string& where, const std::string& column,
                                     Qt::SortOrder order)
{
    const std::string direction = order == Qt::AscendingOrder ? " ASC" : " DESC";
    db::Statement statement = database.prepare("SELECT * FROM sched_slice WHERE " + where + " ORDER BY " + column +
                                               direction + ", id" + direction);
    std::vector<QStringList> rows;
    while (statement.step()) {
        QStringList row;
        for (int i = 0; i < statement.columnCount(); ++i)
            row << (statement.columnType(i) == db::ColumnType::Null ? QStringLiteral("NULL")
                                                                    : QString::fromStdString(statement.columnText(i)));
        rows.push_back(std::move(row));
    }
    return rows;
}

int pageCount(const EventTableModel& model)
{
    return (model.rowCount() + EventTableModel::kPageRows - 1) / EventTableModel::kPageRows;
}

// Random pages (a fixed seed), jumps to the end, the middle and back, then walks longer than the page cache
// forward from the middle and backward from the end, so pages are found from anchors, from either end, and
// again after their eviction.
std::vector<int> readingOrder(int pages)
{
    std::mt19937 random(20240613);
    std::uniform_int_distribution<int> anyPage(0, pages - 1);
    std::vector<int> order;
    for (int i = 0; i < 40; ++i)
        order.push_back(anyPage(random));
    const int last = pages - 1;
    const int middle = pages / 2;
    for (const int page : {last, middle, 0, last - 1, middle + 1, middle - 1, last, 0, middle})
        order.push_back(page);
    for (int page = middle; page < std::min(pages, middle + 20); ++page)
        order.push_back(page);
    for (int page = last; page >= std::max(0, last - 20); --page)
        order.push_back(page);
    return order;
}

// Reads every cell of the page through the model; reports the first that differs from the reference.
bool pageMatches(const EventTableModel& model, int page, const std::vector<QStringList>& expected,
                 const std::string& what)
{
    const int begin = page * EventTableModel::kPageRows;
    const int end = std::min(begin + EventTableModel::kPageRows, model.rowCount());
    for (int row = begin; row < end; ++row) {
        const QStringList& wanted = expected[static_cast<std::size_t>(row)];
        for (int column = 0; column < model.columnCount(); ++column) {
            const QString shown = model.data(model.index(row, column), EventTableModel::StoredRole).toString();
            if (shown != wanted[column]) {
                ADD_FAILURE() << what << ": page " << page << ", row " << row << ", column " << column << " shows "
                              << shown.toStdString() << ", the plain query gives " << wanted[column].toStdString()
                              << " (row " << wanted.join(',').toStdString() << ")";
                return false;
            }
        }
    }
    return true;
}

void expectPagesMatch(EventTableModel& model, db::Database& database, const std::string& where,
                      const std::vector<std::string>& columns)
{
    const QStringList header = [&] {
        QStringList names;
        for (int i = 0; i < model.columnCount(); ++i)
            names << model.headerData(i, Qt::Horizontal).toString();
        return names;
    }();
    for (const std::string& column : columns) {
        for (const Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
            const std::string what =
                "WHERE " + where + " ORDER BY " + column + (order == Qt::AscendingOrder ? " ASC" : " DESC");
            model.sort(static_cast<int>(header.indexOf(QString::fromStdString(column))), order);
            const std::vector<QStringList> expected = orderedRows(database, where, column, order);
            ASSERT_EQ(static_cast<std::size_t>(model.rowCount()), expected.size()) << what;
            ASSERT_GT(pageCount(model), 2) << what << ": too few rows to page";
            for (const int page : readingOrder(pageCount(model))) {
                if (!pageMatches(model, page, expected, what))
                    break;
            }
            EXPECT_LE(model.cachedPages(), EventTableModel::kCachedPages);
            EXPECT_LE(model.anchors(), EventTableModel::kAnchors);
        }
    }
}

TEST(EventTable, KeysetPagesMatchAPlainOrderByInAnyReadingOrder)
{
    application();
    const auto file = eventTableDatabase(20000);
    {
        TraceSource source(file);
        EventTableModel model;
        model.setSource(&source);
        model.setTable("sched_slice");
        expectPagesMatch(model, source.database(), "1", {"id", "ts", "core", "end_reason", "instructions"});
    }
    std::filesystem::remove(file);
}

TEST(EventTable, KeysetPagesMatchAPlainOrderByWithFilters)
{
    application();
    const auto file = eventTableDatabase(20000);
    {
        TraceSource source(file);
        EventTableModel model;
        model.setSource(&source);
        model.setTable("sched_slice");
        const std::vector<std::string> columns = {"ts", "end_reason", "instructions"};
        model.setFilter({QString(), std::nullopt, 1, std::nullopt});
        expectPagesMatch(model, source.database(), "vcpu_id = 1", columns);
        model.setFilter({QString(), 1, std::nullopt, std::nullopt});
        expectPagesMatch(model, source.database(), "vcpu_id IN (SELECT id FROM vcpu WHERE vm = 1)", columns);
        model.setFilter({QStringLiteral("yield"), std::nullopt, std::nullopt, std::nullopt});
        expectPagesMatch(model, source.database(), "end_reason = 'yield'", {"ts", "instructions"});
    }
    std::filesystem::remove(file);
}

// Which rows a fetch stepped over, without timing: a page next to one already read, a page read again after
// its eviction and the last pages cost no walk, and a jump walks at most to the nearest anchor or end.
TEST(EventTable, NeighbourAndEndPagesAreSoughtNotWalked)
{
    application();
    const auto file = eventTableDatabase(20000);
    {
        TraceSource source(file);
        EventTableModel model;
        model.setSource(&source);
        model.setTable("sched_slice");
        const auto skippedToRead = [&](int page) {
            EXPECT_TRUE(model.data(model.index(page * EventTableModel::kPageRows, 0)).isValid());
            return model.rowsSkippedByLastFetch();
        };
        const QStringList header = [&] {
            QStringList names;
            for (int i = 0; i < model.columnCount(); ++i)
                names << model.headerData(i, Qt::Horizontal).toString();
            return names;
        }();
        for (const QString& column :
             {QStringLiteral("ts"), QStringLiteral("end_reason"), QStringLiteral("instructions")}) {
            for (const Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                SCOPED_TRACE(column.toStdString() + (order == Qt::AscendingOrder ? " ASC" : " DESC"));
                model.sort(static_cast<int>(header.indexOf(column)), order);
                const int last = pageCount(model) - 1;
                const int middle = last / 2;
                EXPECT_EQ(skippedToRead(0), 0);
                EXPECT_LE(skippedToRead(1), 1);
                EXPECT_EQ(skippedToRead(last), 0) << "the last page is read backward from the end";
                EXPECT_LE(skippedToRead(last - 1), 1);
                // No anchor near the middle: the walk is from the nearer of page 1 and page last - 1.
                EXPECT_LE(skippedToRead(middle),
                          std::min(middle - 2, last - 1 - (middle + 1)) * EventTableModel::kPageRows + 1);
                EXPECT_LE(skippedToRead(middle + 1), 1);
                EXPECT_LE(skippedToRead(middle - 1), 1);
                for (int page = middle + 2; page < middle + 2 + static_cast<int>(EventTableModel::kCachedPages); ++page)
                    EXPECT_LE(skippedToRead(page), 1) << "page " << page;
                EXPECT_EQ(skippedToRead(middle), 0) << "evicted, found again from the anchor at its first row";
            }
        }
    }
    std::filesystem::remove(file);
}

// Scrolling through 200 thousand traps (782 pages, two anchors each) by descending ts (the trap_ts index) keeps
// kCachedPages pages and kAnchors anchors, and each page is sought from the previous one.
TEST(EventTable, PagesAndAnchorsStayBoundedOverAWholeScroll)
{
    application();
    const auto file = syntheticDatabase(200000);
    {
        TraceSource source(file);
        EventTableModel model;
        model.setSource(&source);
        model.setTable("trap");
        model.sort(1, Qt::DescendingOrder);
        ASSERT_EQ(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("ts"));
        ASSERT_EQ(model.rowCount(), 200000);
        for (int page = 0; page < pageCount(model); ++page) {
            ASSERT_EQ(model.rowId(page * EventTableModel::kPageRows), 200000 - page * EventTableModel::kPageRows);
            ASSERT_LE(model.rowsSkippedByLastFetch(), 1) << "page " << page;
        }
        EXPECT_EQ(model.rowId(199999), 1);
        EXPECT_EQ(model.cachedPages(), EventTableModel::kCachedPages);
        EXPECT_EQ(model.anchors(), EventTableModel::kAnchors);
    }
    std::filesystem::remove(file);
}

// A followed database grows while it is shown (vcm-gui re-reads it every followIntervalMs): rows appended after
// the count, with larger ids, stay out of every page, so the pages read back from the end still end at the
// counted rows, whatever the sort.
TEST(EventTable, RowsAppendedAfterTheCountStayOutOfThePages)
{
    application();
    const auto file = eventTableDatabase(20000);
    {
        TraceSource source(file);
        EventTableModel model;
        model.setSource(&source);
        model.setTable("sched_slice");
        ASSERT_EQ(model.rowCount(), 20000);
        {
            db::Database writer(file, db::Database::Mode::ReadWrite);
            db::Transaction transaction(writer);
            db::Statement slice = writer.prepare("INSERT INTO sched_slice (ts, dur, core, vcpu_id, end_reason, "
                                                 "instructions) VALUES (?1, 1, 0, 1, NULL, ?2)");
            for (int i = 0; i < 3000; ++i) {
                slice.bind(1, std::int64_t{i % 2 == 0 ? i : 10'000'000 + i}).bind(2, std::int64_t{i % 1000});
                slice.run();
            }
            transaction.commit();
        }
        expectPagesMatch(model, source.database(), "id <= 20000", {"id", "ts", "end_reason", "instructions"});
    }
    std::filesystem::remove(file);
}

// Frame cost is bounded by the pixels, not the rows (the benchmark prints the times; no timing here): over a
// million rows per track, every frame of a zoom holds at most two summaries per pixel column per track.
TEST(Sampler, TimelineOverAMillionRowsHoldsAtMostTwoSummariesPerColumn)
{
    application();
    const auto file = syntheticDatabase(1000000);
    TraceSource source(file);
    TimelineWidget timeline;
    timeline.resize(1600, 600);
    timeline.setSource(&source);
    QImage image(timeline.size(), QImage::Format_ARGB32_Premultiplied);
    for (int i = 0; i < 10; ++i) {
        timeline.zoomStep(1, 0.5);
        timeline.render(&image);
        int checked = 0;
        for (std::size_t track = 0; track < source.tracks().size(); ++track) {
            if (timeline.trackRect(static_cast<int>(track)).isEmpty())
                continue;
            const auto& items = timeline.itemsOf(static_cast<int>(track));
            EXPECT_LE(items.size(), static_cast<std::size_t>(2 * timeline.plotWidth() + 2)) << track;
            if (i == 0 && source.countRows(static_cast<int>(track), timeline.visibleRange()) > 100000) {
                EXPECT_LT(items.size(), 10000u) << "a dense track is summarised, not listed";
                ++checked;
            }
        }
        if (i == 0) {
            EXPECT_GT(checked, 0) << "the first frame has a dense track on screen";
        }
    }
    EventTableModel model;
    model.setSource(&source);
    model.setTable("sched_slice");
    EXPECT_EQ(model.rowCount(), 1000000);
    EXPECT_EQ(model.rowId(999999), 1000000);
    timeline.setSource(nullptr);
    std::filesystem::remove(file);
}

// Issue 19, comparing two runs: tracks paired by entity. Groups match by name and keep the catalogue's order; in
// a group, each of A's tracks is followed by B's of the same kind and name; what one run lacks keeps its place in
// the other's order; B's tracks are run 1.
TEST(TrackPairing, EachTrackOfAIsFollowedByBsOfTheSameNameAndWhatOneRunLacksKeepsItsPlace)
{
    const auto catalog = [](const std::vector<std::pair<QString, std::vector<std::pair<TrackKind, QString>>>>& groups) {
        TrackCatalog c;
        for (const auto& [name, tracks] : groups) {
            c.groups.push_back({name, {}, name.startsWith(QStringLiteral("pages"))});
            for (const auto& [kind, track] : tracks) {
                c.groups.back().tracks.push_back(static_cast<int>(c.tracks.size()));
                c.tracks.push_back({track, kind, static_cast<std::int64_t>(c.tracks.size()), 0, false, {}});
            }
        }
        return c;
    };
    const TrackCatalog a = catalog({{"Trace", {{TrackKind::Findings, "findings: errors"}, {TrackKind::Findings, "findings: warnings"}}},
                                    {"core 0", {{TrackKind::CoreVcpu, "vCPU"}}},
                                    {"vCPU d1v0", {{TrackKind::VcpuSctlr, "SCTLR"}, {TrackKind::VcpuTraps, "traps"}}},
                                    {"memory", {{TrackKind::StaleWindows, "stale 0x80005000"}}},
                                    {"pages of 0x80000000 +2M", {{TrackKind::StaleWindows, "stale 0x80005000"}}}});
    const TrackCatalog b = catalog({{"Trace", {{TrackKind::Findings, "findings: warnings"}, {TrackKind::Findings, "findings: info"}}},
                                    {"core 0", {{TrackKind::CoreVcpu, "vCPU"}, {TrackKind::CoreHypervisor, "hypervisor"}}},
                                    {"VM d1", {{TrackKind::VmFlushes, "flushes"}}},
                                    {"vCPU d1v0", {{TrackKind::VcpuSctlr, "SCTLR"}, {TrackKind::VcpuTvm, "TVM"},
                                                   {TrackKind::VcpuTraps, "traps"}}}});
    const TrackCatalog paired = pairTrackCatalogs(a, b);
    std::vector<QString> shown;
    for (const TrackGroup& group : paired.groups) {
        shown.push_back(QStringLiteral("[%1%2]").arg(group.name, group.collapsed ? QStringLiteral(", collapsed") : QString()));
        for (const int t : group.tracks) {
            const TrackInfo& track = paired.tracks.at(static_cast<std::size_t>(t));
            shown.push_back(runLetter(track.run) + QLatin1Char(' ') + track.name);
        }
    }
    const std::vector<QString> expected = {
        "[Trace]",     "A findings: errors", "A findings: warnings", "B findings: warnings", "B findings: info",
        "[core 0]",    "A vCPU",             "B vCPU",               "B hypervisor",
        "[VM d1]",     "B flushes",
        "[vCPU d1v0]", "A SCTLR",            "B SCTLR",              "B TVM",  "A traps", "B traps",
        "[memory]",    "A stale 0x80005000",
        "[pages of 0x80000000 +2M, collapsed]", "A stale 0x80005000"};
    EXPECT_EQ(shown, expected);
    ASSERT_EQ(paired.tracks.size(), a.tracks.size() + b.tracks.size());
    // Each track keeps its own run's entity (here its index in its run's catalogue): B's hypervisor track is b's 3.
    EXPECT_EQ(paired.tracks[6].name, QStringLiteral("hypervisor"));
    EXPECT_EQ(paired.tracks[6].entity, 3);
    EXPECT_EQ(paired.tracks[6].run, 1);
}

// Against real KVM the runs name their VMs and vCPUs differently (d1, d1v0 here; vmm, vmmv0 under kvmtool): those
// pair by their order and show both names. Cores are the machine's: core 1 and core 2 never pair.
TEST(TrackPairing, VmsAndVcpusNamedDifferentlyPairInOrderButCoresDoNot)
{
    const auto catalog = [](const std::vector<std::pair<QString, TrackKind>>& groups) {
        TrackCatalog c;
        for (const auto& [name, kind] : groups) {
            c.groups.push_back({name, {static_cast<int>(c.tracks.size())}, false});
            c.tracks.push_back({QStringLiteral("t"), kind, static_cast<std::int64_t>(c.tracks.size()), 0, false, {}});
        }
        return c;
    };
    const TrackCatalog a = catalog({{"core 1", TrackKind::CoreVcpu}, {"VM d1", TrackKind::VmFlushes},
                                    {"vCPU d1v0", TrackKind::VcpuSctlr}, {"vCPU d1v1", TrackKind::VcpuSctlr}});
    const TrackCatalog b = catalog({{"core 2", TrackKind::CoreVcpu}, {"VM vmm", TrackKind::VmFlushes},
                                    {"vCPU vmmv0", TrackKind::VcpuSctlr}});
    const TrackCatalog paired = pairTrackCatalogs(a, b);
    std::vector<QString> shown;
    for (const TrackGroup& group : paired.groups) {
        QString runs;
        for (const int t : group.tracks)
            runs += runLetter(paired.tracks.at(static_cast<std::size_t>(t)).run);
        shown.push_back(group.name + QStringLiteral(": ") + runs);
    }
    EXPECT_EQ(shown, (std::vector<QString>{"core 1: A", "core 2: B", "VM d1 / vmm: AB", "vCPU d1v0 / vmmv0: AB",
                                           "vCPU d1v1: A"}));
}

// Issue 19, problem 2: one colour, one meaning, and red only for what is wrong. Every colour an item of any
// track can take is in the legend (vCPU hues by their first); two entries share a colour only when both mean
// "wrong" or both a warning, and are otherwise far apart; no entry that is not wrong is red.
TEST(Legend, EveryColourDrawnIsListedOnceAndRedMeansWrong)
{
    const std::vector<palette::LegendEntry> legend = palette::legend();
    const auto listed = [&](const QColor& colour) {
        return std::any_of(legend.begin(), legend.end(), [&](const palette::LegendEntry& e) { return e.colour == colour; });
    };
    const std::vector<std::pair<TrackKind, std::vector<std::int64_t>>> styles = {
        {TrackKind::Findings, {0, 1, 2}},     {TrackKind::CoreVcpu, {0}},        {TrackKind::CoreHypervisor, {0, 1}},
        {TrackKind::VmFlushes, {0, 1}},       {TrackKind::VmSegments, {0, 1}},   {TrackKind::VcpuSctlr, {0, 1, 2, 3}},
        {TrackKind::VcpuTvm, {0}},            {TrackKind::VcpuTraps, {0, 1, 2, 3}}, {TrackKind::VcpuMarkers, {0}},
        {TrackKind::VcpuConsole, {0}},        {TrackKind::StaleWindows, {0, 1}}, {TrackKind::StaleRegion, {0, 1}},
        {TrackKind::StaleReads, {0}},         {TrackKind::Clobbers, {0}}};
    for (const auto& [kind, values] : styles)
        for (const std::int64_t style : values)
            EXPECT_TRUE(listed(palette::itemColour(kind, style)))
                << "track kind " << static_cast<int>(kind) << " style " << style << ": "
                << palette::itemColour(kind, style).name().toStdString();
    EXPECT_TRUE(listed(palette::chrome().writeLink));
    EXPECT_TRUE(listed(palette::chrome().lossHatch));

    const auto isRed = [](const QColor& c) {
        const int hue = c.hsvHue();
        return (hue >= 340 || (hue >= 0 && hue <= 20)) && c.hsvSaturationF() > 0.5 && c.valueF() > 0.4;
    };
    const auto isWarning = [](const palette::LegendEntry& e) { return e.meaning.contains(QStringLiteral("warning")); };
    for (std::size_t i = 0; i < legend.size(); ++i) {
        const palette::LegendEntry& a = legend[i];
        EXPECT_TRUE(a.wrong || !isRed(a.colour)) << a.meaning.toStdString() << " is red but nothing wrong";
        for (std::size_t j = i + 1; j < legend.size(); ++j) {
            const palette::LegendEntry& b = legend[j];
            const bool sameMeaning = (a.wrong && b.wrong) || (isWarning(a) && isWarning(b));
            if (sameMeaning && a.colour == b.colour)
                continue;
            const double distance = std::hypot(a.colour.red() - b.colour.red(), a.colour.green() - b.colour.green(),
                                               a.colour.blue() - b.colour.blue());
            EXPECT_GT(distance, 40.0) << a.meaning.toStdString() << " and " << b.meaning.toStdString()
                                      << " look alike";
        }
    }
    EXPECT_TRUE(isRed(palette::severity(2)));
    EXPECT_TRUE(isRed(palette::kStaleRead));
}

} // namespace
} // namespace vcm::gui

// Time to show one page of the event table at the start, the middle and the end of a 10-million-row trap table:
// EventTableModel's keyset paging against the OFFSET paging it replaced (that SQL, run here as the model ran it:
// SELECT * ... ORDER BY col, id LIMIT 256 OFFSET k, every cell converted to a QString). Figures to read, not a
// pass/fail test: run tests/bench/run_event_table_benchmark.sh.
//
// The database (created when the file does not exist): `rows` traps, ts repeating in pairs, four vCPUs, the
// trap_ts and trap_vcpu_ts indexes of db::createIndexes, analysed as vcm ingest does. Orders: id (the rowid), ts
// (indexed), ts with a vCPU filter (trap_vcpu_ts), and with --unindexed operand (no index: every query scans and sorts
// the table). Positions, each read by a model fresh from a header click (counted, nothing fetched, no anchor):
//   first page; middle, jumped to; middle + 1, scrolled to after it; last page, jumped to; last - 1, scrolled to
// after it. The keyset column also prints the rows the model stepped over (OFFSET) for that page.
// Each figure is the best of --repeat runs (page cache warm after the first).
#include "vcm/db/database.h"
#include "vcm/db/schema.h"
#include "vcm/gui/event_table_model.h"
#include "vcm/gui/trace_source.h"

#include <QStringList>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using vcm::gui::EventFilter;
using vcm::gui::EventTableModel;
using vcm::gui::TraceSource;

void createDatabase(const std::filesystem::path& file, std::int64_t rows)
{
    std::printf("creating %s with %lld traps ...\n", file.c_str(), static_cast<long long>(rows));
    std::fflush(stdout);
    vcm::db::Database database(file, vcm::db::Database::Mode::Create);
    vcm::db::createSchema(database);
    vcm::db::Transaction transaction(database);
    database.exec("INSERT INTO run (id, scenario, policy, end_ts, complete) VALUES (1, 'bench', 'xen', " +
                  std::to_string(rows * 50) + ", 1)");
    database.exec("INSERT INTO core (id, cluster) VALUES (0, 0), (1, 0), (2, 0), (3, 0)");
    database.exec("INSERT INTO vm (id, name) VALUES (0, 'storm')");
    database.exec("INSERT INTO vcpu (id, vm, idx, name) VALUES (0, 0, 0, 'v0'), (1, 0, 1, 'v1'), (2, 0, 2, 'v2'), "
                  "(3, 0, 3, 'v3')");
    vcm::db::Statement trap = database.prepare("INSERT INTO trap (ts, vcpu_id, core, kind, detail, what, operand, "
                                               "old_value, new_value, caches_on) VALUES (?1, ?2, ?2, 'setway', 0, "
                                               "'DC CISW', ?3, 0, 0, 1)");
    for (std::int64_t i = 0; i < rows; ++i) {
        trap.bind(1, i / 2 * 100).bind(2, i % 4).bind(3, i * 2654435761 % 4294967296);
        trap.runKeepingBindings();
    }
    transaction.commit();
    vcm::db::createIndexes(database);
    database.exec("PRAGMA analysis_limit = 1000; ANALYZE"); // as vcm ingest leaves a database
}

double milliseconds(Clock::duration duration)
{
    return std::chrono::duration<double, std::milli>(duration).count();
}

double bestOf(int repeat, const std::function<double()>& run)
{
    double best = run();
    for (int i = 1; i < repeat; ++i)
        best = std::min(best, run());
    return best;
}

struct Order {
    std::string label;
    std::string column;
    std::string where; // the filter as SQL, for the OFFSET query
    EventFilter filter;
};

// The page as the model fetched it before keyset paging.
double offsetPage(vcm::db::Database& database, const Order& order, int page)
{
    const auto start = Clock::now();
    vcm::db::Statement statement =
        database.prepare("SELECT * FROM trap WHERE " + order.where + " ORDER BY " + order.column +
                         " ASC, id ASC LIMIT " + std::to_string(EventTableModel::kPageRows) + " OFFSET " +
                         std::to_string(static_cast<std::int64_t>(page) * EventTableModel::kPageRows));
    std::vector<QStringList> rows;
    while (statement.step()) {
        QStringList row;
        for (int column = 0; column < statement.columnCount(); ++column)
            row << (statement.columnType(column) == vcm::db::ColumnType::Null
                        ? QStringLiteral("NULL")
                        : QString::fromStdString(statement.columnText(column)));
        rows.push_back(std::move(row));
    }
    return milliseconds(Clock::now() - start);
}

struct Timed {
    double ms = 0;
    std::int64_t skipped = 0;
};

// Reads `before` pages untimed, then times the read of `page`, on a model fresh from a click on the header.
Timed keysetPage(TraceSource& source, const Order& order, const std::vector<int>& before, int page)
{
    EventTableModel model;
    model.setSource(&source);
    model.setTable("trap");
    model.setFilter(order.filter);
    int section = 0;
    while (section < model.columnCount() &&
           model.headerData(section, Qt::Horizontal).toString() != QString::fromStdString(order.column))
        ++section;
    model.sort(section, Qt::AscendingOrder);
    for (const int previous : before)
        model.data(model.index(previous * EventTableModel::kPageRows, 0));
    const auto start = Clock::now();
    model.data(model.index(page * EventTableModel::kPageRows, 0));
    return {milliseconds(Clock::now() - start), model.rowsSkippedByLastFetch()};
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DATABASE [--rows N] [--repeat R] [--unindexed]\n", argv[0]);
        return 2;
    }
    const std::filesystem::path file = argv[1];
    std::int64_t rows = 10'000'000;
    int repeat = 3;
    bool unindexed = false;
    for (int i = 2; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--rows" && i + 1 < argc)
            rows = std::atoll(argv[++i]);
        else if (argument == "--repeat" && i + 1 < argc)
            repeat = std::max(1, std::atoi(argv[++i]));
        else if (argument == "--unindexed")
            unindexed = true;
    }
    if (!std::filesystem::exists(file))
        createDatabase(file, rows);

    TraceSource source(file);
    std::vector<Order> orders = {
        {"id", "id", "1", {}},
        {"ts", "ts", "1", {}},
        {"ts, vcpu 1", "ts", "vcpu_id = 1", {QString(), std::nullopt, 1, std::nullopt}},
    };
    if (unindexed)
        orders.push_back({"operand (no index)", "operand", "1", {}});

    std::printf("%-20s %-26s %9s %14s %14s %14s\n", "order (ASC)", "page", "depth", "OFFSET ms", "keyset ms",
                "keyset skips");
    for (const Order& order : orders) {
        const int count = static_cast<int>(source.database().scalar("SELECT count(*) FROM trap WHERE " + order.where));
        const int last = (count - 1) / EventTableModel::kPageRows;
        const int middle = last / 2;
        struct Position {
            const char* label;
            std::vector<int> before;
            int page;
        };
        const Position positions[] = {
            {"first page", {}, 0},
            {"middle, jumped to", {}, middle},
            {"middle + 1, scrolled to", {middle}, middle + 1},
            {"last page, jumped to", {}, last},
            {"last - 1, scrolled back", {last}, last - 1},
        };
        for (const Position& position : positions) {
            const double offset = bestOf(repeat, [&] { return offsetPage(source.database(), order, position.page); });
            Timed keyset;
            const double keysetMs = bestOf(repeat, [&] {
                keyset = keysetPage(source, order, position.before, position.page);
                return keyset.ms;
            });
            std::printf("%-20s %-26s %9lld %14.2f %14.2f %14lld\n", order.label.c_str(), position.label,
                        static_cast<long long>(position.page) * EventTableModel::kPageRows, offset, keysetMs,
                        static_cast<long long>(keyset.skipped));
            std::fflush(stdout);
        }
    }
    return 0;
}

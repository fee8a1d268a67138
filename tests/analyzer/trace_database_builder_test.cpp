// TraceDatabaseBuilder with its writer thread: the rows and their ids depend on the events only (not on how
// they were batched), maintenance_summary sums the maintenance rows it stands for, the untrapped_setway
// finding reads it, and an error on the writer thread reaches the caller.
#include "synthetic_trace.h"

#include <gmock/gmock.h>

#include <string>
#include <vector>

using ::testing::HasSubstr;
using vcm::analyzer::TraceDatabaseBuilder;
using vcm::analyzer::testing::SyntheticTrace;
namespace tr = vcm::tracer;

namespace {

// Every row of every table, as text, in id order: two databases hold the same rows with the same ids iff
// their dumps are equal.
std::vector<std::string> dump(vcm::db::Database& db)
{
    std::vector<std::string> tables;
    vcm::db::Statement names = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    while (names.step())
        tables.push_back(names.columnText(0));
    std::vector<std::string> rows;
    for (const std::string& table : tables) {
        vcm::db::Statement q = db.prepare("SELECT * FROM " + table + " ORDER BY rowid");
        while (q.step()) {
            std::string row = table + ":";
            for (int c = 0; c < q.columnCount(); ++c)
                row += " " + (q.columnType(c) == vcm::db::ColumnType::Null ? std::string("NULL") : q.columnText(c));
            rows.push_back(std::move(row));
        }
    }
    return rows;
}

// Several batches' worth of rows (a batch is 4096), of several tables interleaved, with data loss, unknown
// events and rows only complete at the end; analysed. In one transaction, as ingest does (in autocommit mode
// every INSERT would be a transaction of its own, synced to disk). It begins while the builder's writer is idle,
// and ends after finish(): the database is the test's again.
void busyRun(SyntheticTrace& t)
{
    t.db().exec("BEGIN");
    t.standardMachine("native");
    t.at(0).vcpuRun(0, 0, 0, 0);
    t.at(1).tvmChange(1, 0, 0, true);
    t.at(2).flushRequest(2, 0, 0, 0, tr::FlushReason::CachesOn);
    for (std::uint64_t i = 0; i < 10'000; ++i) {
        const std::uint64_t ts = 10 + i;
        const auto core = static_cast<std::int32_t>(i % 3 == 0 ? 2 : 0);
        t.at(ts).maintenance(ts, 5, core, i % 7 == 0 ? tr::MaintenanceOp::DcCsw : tr::MaintenanceOp::DcCisw,
                             0x80000002 + (i << 6), 0, i % 2, 1, 0);
        if (i % 1000 == 0) {
            t.at(ts).timerTick(ts, 1);
            t.at(ts).marker(ts, 1, 0, "m" + std::to_string(i));
            t.at(ts).rawEvent("vcm:future_event", ts, false, {{"i", static_cast<std::int64_t>(i), std::nullopt}});
        }
        if (i == 5000)
            t.untimed().dataLoss("events", 3, 100, 200);
    }
    t.at(20'000).flushSegment(20'000, 20'500, 0, 1, 0, 64, 0, true, 0, 0);
    t.at(21'000).vcpuStop(21'000, 0, 0, 0, tr::VcpuStopReason::Exit, 99);
    t.at(22'000).runEnd(22'000, 1234);
    t.analyse();
    t.db().exec("COMMIT");
}

TEST(TraceDatabaseBuilder, SameEventsGiveTheSameRowsAndIdsWhateverTheBatching)
{
    SyntheticTrace first;
    busyRun(first);
    SyntheticTrace second;
    busyRun(second);
    const std::vector<std::string> rows = dump(first.db());
    EXPECT_EQ(rows, dump(second.db()));
    EXPECT_EQ(first.count("SELECT count(*) FROM maintenance"), 10'000);
    EXPECT_EQ(first.count("SELECT max(id) - min(id) + 1 FROM maintenance"), 10'000) << "ids from 1, no gaps";
    EXPECT_EQ(first.count("SELECT min(id) FROM maintenance"), 1);
    EXPECT_EQ(first.count("SELECT count(*) FROM maintenance WHERE ts <> id + 9"), 0) << "numbered in event order";
    EXPECT_EQ(first.count("SELECT ts_after FROM data_loss"), 5011) << "completed by the next timed event";
    EXPECT_EQ(first.count("SELECT count(*) FROM args a JOIN raw_event r ON r.id = a.raw_event"), 10);
    EXPECT_EQ(first.count("SELECT dur FROM flush"), 20'498);
    EXPECT_EQ(first.count("SELECT segments FROM flush"), 1);
    EXPECT_EQ(first.count("SELECT flush FROM flush_segment"), first.count("SELECT id FROM flush"));
    EXPECT_EQ(first.count("SELECT count(*) FROM tvm_state WHERE open = 1 AND dur = 21999"), 1);
    EXPECT_EQ(first.text("SELECT name || ',' || agent FROM vcpu WHERE id = 1"), "d1v0,5");
    EXPECT_EQ(first.text("SELECT name FROM vm WHERE id = 1"), "d2");
    EXPECT_EQ(first.count("SELECT complete FROM run"), 1);
    EXPECT_EQ(first.count("SELECT instructions FROM run"), 1234);
}

TEST(TraceDatabaseBuilder, MaintenanceSummarySumsItsGroups)
{
    SyntheticTrace t;
    busyRun(t);
    // One row per (agent, op, by_set_way, trapped), equal to the aggregate over the rows it stands for.
    EXPECT_EQ(t.count("SELECT count(*) FROM maintenance_summary"), 2);
    EXPECT_EQ(t.count("SELECT count(*) FROM maintenance_summary s WHERE s.count = (SELECT count(*) FROM "
                      "maintenance m WHERE m.agent = s.agent AND m.op = s.op AND m.by_set_way = s.by_set_way AND "
                      "m.trapped = s.trapped) AND s.first_ts = (SELECT min(ts) FROM maintenance m WHERE m.op = s.op) "
                      "AND s.last_ts = (SELECT max(ts) FROM maintenance m WHERE m.op = s.op) AND s.first_id = "
                      "(SELECT min(id) FROM maintenance m WHERE m.op = s.op) AND s.last_id = (SELECT max(id) FROM "
                      "maintenance m WHERE m.op = s.op) AND s.lines_cleaned = (SELECT sum(lines_cleaned) FROM "
                      "maintenance m WHERE m.op = s.op) AND s.lines_invalidated = (SELECT sum(lines_invalidated) "
                      "FROM maintenance m WHERE m.op = s.op)"),
              2);
    EXPECT_EQ(t.text("SELECT op || ' ' || cores FROM maintenance_summary WHERE id = 1"), "dc_csw 0,2")
        << "numbered by first row; cores distinct and ascending";
    EXPECT_EQ(t.text("SELECT op FROM maintenance_summary WHERE id = 2"), "dc_cisw");
    // The finding: both ops, in order of first use, and the cores of both groups.
    EXPECT_EQ(t.count("SELECT measure FROM finding WHERE kind = 'untrapped_setway'"), 10'000);
    EXPECT_THAT(t.text("SELECT explanation FROM finding WHERE kind = 'untrapped_setway'"),
                HasSubstr("d1v0 executed 10000 set/way operations (DC CSW,DC CISW) natively on core(s) 0,2 "
                          "under policy native"));
    EXPECT_EQ(t.count("SELECT row_id FROM finding_evidence WHERE role = 'last'"), 10'000);
}

TEST(TraceDatabaseBuilder, CausalChainCountsSetWayUpToTheIncidentFromTheSummary)
{
    // The incident falls inside the set/way group (not after it): the count is of the rows before it only.
    SyntheticTrace t;
    t.standardMachine("native");
    for (std::uint64_t ts = 100; ts < 110; ++ts)
        t.at(ts).maintenance(ts, 5, 0, tr::MaintenanceOp::DcCisw, 0x80000002, 0, 0, 1, 0);
    t.at(104).staleRead({.vtimeNs = 104, .agent = 5, .core = 0, .address = 0x80005000, .staleWords = 1,
                         .versionReturned = 10, .latestVersion = 20, .latestWriter = 5, .latestWriteNs = 60,
                         .latestHeldIn = tr::ValueSourceKind::SystemCache});
    t.analyse();
    const std::string why = t.text("SELECT explanation FROM finding WHERE kind = 'stale_read'");
    EXPECT_THAT(why, HasSubstr("5 set/way operations ran before it (last DC CISW by d1v0 on core 0 at 104 ns)"));
    EXPECT_THAT(why, HasSubstr("(5 executed natively: HCR_EL2.TSW clear)"));
    EXPECT_EQ(t.count("SELECT e.row_id FROM finding_evidence e JOIN finding f ON f.id = e.finding "
                      "WHERE f.kind = 'stale_read' AND e.table_name = 'maintenance'"),
              5);
}

TEST(TraceDatabaseBuilder, AWriteErrorReachesTheCallerAndFinish)
{
    SyntheticTrace t;
    // A row the database refuses, in the first batch: the writer thread fails while events keep coming. (The
    // trigger is made while the writer is idle: nothing has been handed over yet.)
    t.db().exec("CREATE TRIGGER refuse BEFORE INSERT ON maintenance WHEN NEW.address = 0xBAD "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    t.standardMachine("native");
    std::string thrown;
    try {
        for (std::uint64_t i = 0; i < 1'000'000; ++i)
            t.at(i).maintenance(i, 5, 0, tr::MaintenanceOp::DcCvac, i == 10 ? 0xBAD : 0x1000, 64, 0, 0, 0);
    } catch (const vcm::db::DatabaseError& e) {
        thrown = e.what();
    }
    EXPECT_THAT(thrown, HasSubstr("refused by the test")) << "rethrown by an event call handing over a batch";
    try {
        t.at(2'000'000).timerTick(2'000'000, 0); // nothing is handed over: no error here
        t.analyse();
        ADD_FAILURE() << "finish() did not rethrow the writer's error";
    } catch (const vcm::db::DatabaseError& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("refused by the test"));
    }
}

TEST(TraceDatabaseBuilder, AnErrorFoundOnlyAtTheEndIsThrownByFinish)
{
    SyntheticTrace t;
    t.standardMachine("kvm");
    // Two requests of one (vm, flush_id): flush rows are written by finish(), where UNIQUE (vm, flush_id) fails.
    t.at(0).flushRequest(0, 0, 0, 7, tr::FlushReason::SetWay);
    t.at(5).flushRequest(5, 0, 0, 7, tr::FlushReason::SetWay);
    EXPECT_THROW(t.analyse(), vcm::db::DatabaseError);
}

TEST(TraceDatabaseBuilder, RowsAlreadyInATableAreAnErrorNotMisnumberedRows)
{
    // The builder numbers rows from 1 for a new database; SQLite appends them under the next rowid. A row that
    // was there before would shift every rowid off its id: refused, not written wrong.
    SyntheticTrace t;
    t.db().exec("INSERT INTO timer_tick (ts, core) VALUES (1, 0)"); // the writer is idle: nothing handed over yet
    t.standardMachine("native");
    t.at(5).timerTick(5, 0);
    try {
        t.analyse();
        ADD_FAILURE() << "finish() accepted a table that was not empty";
    } catch (const vcm::db::DatabaseError& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("timer_tick row numbered 1 by the builder got rowid 2"));
    }
}

TEST(TraceDatabaseBuilder, AbandonedWithoutFinishStopsItsWriter)
{
    auto database = std::make_unique<SyntheticTrace>();
    database->standardMachine("native");
    for (std::uint64_t i = 0; i < 20'000; ++i)
        database->at(i).timerTick(i, 0);
    database.reset(); // must neither hang nor crash: the rows not written are dropped
    SUCCEED();
}

} // namespace

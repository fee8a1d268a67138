// How a trace database file is written and opened: readers get a read-only connection, a statement is one
// statement, and an ingest that was killed or interrupted does not leave its temporary file behind for good.
#include "vcm/db/database.h"
#include "vcm/db/database_file.h"
#include "vcm/db/remove_on_termination_signal.h"
#include "vcm/db/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using vcm::db::Database;
using vcm::db::DatabaseError;
using vcm::db::TraceDatabaseAccess;

namespace {

fs::path scratchDirectory()
{
    const fs::path dir = fs::temp_directory_path() /
                         ("vcm-database-file-test-" + std::to_string(::getpid()) + "-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// A minimal vcm trace database (the schema, no rows), as vcm ingest would leave it.
fs::path emptyTraceDatabase(const fs::path& dir)
{
    const fs::path file = dir / "run.db";
    Database db(file, Database::Mode::Create);
    vcm::db::createSchema(db);
    return file;
}

// A process id that is certainly not running: a child that has exited and been reaped.
pid_t deadProcessId()
{
    const pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

TEST(TraceDatabaseAccess, ReadersCannotChangeTheFile)
{
    const fs::path dir = scratchDirectory();
    const fs::path file = emptyTraceDatabase(dir);
    {
        Database reader = vcm::db::openTraceDatabase(file);
        EXPECT_EQ(reader.scalar("SELECT count(*) FROM finding"), 0);
        try {
            reader.exec("INSERT INTO meta (key, value) VALUES ('x', 'y')");
            ADD_FAILURE() << "a reader's connection wrote";
        } catch (const DatabaseError& e) {
            EXPECT_THAT(std::string(e.what()), HasSubstr("readonly"));
        }
    }
    Database writer = vcm::db::openTraceDatabase(file, TraceDatabaseAccess::ReadWrite);
    writer.exec("INSERT INTO meta (key, value) VALUES ('x', 'y')");
    EXPECT_EQ(writer.scalar("SELECT count(*) FROM meta WHERE key = 'x'"), 1);
    fs::remove_all(dir);
}

TEST(TraceDatabaseAccess, ASecondStatementIsAnErrorNotIgnored)
{
    const fs::path dir = scratchDirectory();
    Database db(emptyTraceDatabase(dir), Database::Mode::ReadWrite);
    EXPECT_EQ(db.scalar("SELECT 7"), 7);
    EXPECT_EQ(db.scalar("SELECT 7;"), 7);
    EXPECT_EQ(db.scalar("SELECT 7; -- a comment\n ;; /* and another */ "), 7) << "blanks, comments, empty statements";
    for (const char* sql : {"SELECT 7; DELETE FROM meta", "SELECT 7; SELECT 8", "SELECT 7;; SELECT 8", "SELECT 7; nonsense"}) {
        try {
            db.prepare(sql);
            ADD_FAILURE() << "accepted: " << sql;
        } catch (const DatabaseError& e) {
            EXPECT_THAT(std::string(e.what()), HasSubstr("more than one SQL statement")) << sql;
        }
    }
    fs::remove_all(dir);
}

// A version-1 database (before the write times) opens as version 2: the new columns exist, its rows keep their
// values and say NULL (unknown) for what version 1 did not record; a reader's open migrates it too.
TEST(TraceDatabaseSchema, VersionOneIsMigratedForwardKeepingItsRows)
{
    const fs::path dir = scratchDirectory();
    const fs::path file = dir / "v1.db";
    {
        Database db(file, Database::Mode::Create);
        vcm::db::createSchema(db);
        // Version 1's tables: the current ones without the columns version 2 added and the table version 3 did.
        db.exec("DROP TABLE vcpu_wait");
        db.exec("ALTER TABLE stale_read DROP COLUMN latest_write_ts");
        db.exec("ALTER TABLE clobber DROP COLUMN overwritten_writer");
        db.exec("ALTER TABLE clobber DROP COLUMN overwritten_write_ts");
        db.setUserVersion(1);
        db.exec("INSERT INTO stale_read (id, ts, agent, core, address, stale_words, version_returned, latest_version, "
                "latest_writer, source, source_instance, latest_held_in, held_instance) "
                "VALUES (1, 500, 5, 0, 4096, 1, 2, 3, 5, 'ram', 0, 'l1', 0)");
        db.exec("INSERT INTO clobber (id, ts, address, words, origin, origin_instance, line_version, "
                "overwritten_version, cause) VALUES (1, 600, 4096, 1, 'l2', 0, 2, 3, 'eviction')");
        // A vCPU preempted at 300 that runs again at 700, then ends its slice at 900 and never runs again (run
        // end 1000): version 3 derives its two waits.
        db.exec("INSERT INTO run (id, end_ts, complete) VALUES (1, 1000, 1)");
        db.exec("INSERT INTO sched_slice (id, ts, dur, core, vcpu_id, end_reason) VALUES (1, 100, 200, 0, 0, "
                "'preempted'), (2, 700, 200, 1, 0, 'slice_end')");
    }
    ASSERT_EQ(vcm::db::kSchemaVersion, 3);
    Database reader = vcm::db::openTraceDatabase(file);
    EXPECT_EQ(reader.userVersion(), 3);
    {
        vcm::db::Statement waits = reader.prepare(
            "SELECT group_concat(ts || '+' || dur || '@' || core || ':' || open, ' ') FROM (SELECT * FROM vcpu_wait ORDER BY ts)");
        ASSERT_TRUE(waits.step());
        EXPECT_EQ(waits.columnText(0), "300+400@0:0 900+100@1:1") << "backfilled from the slices";
    }
    EXPECT_EQ(reader.scalar("SELECT ts FROM stale_read WHERE id = 1"), 500);
    EXPECT_EQ(reader.scalar("SELECT count(*) FROM stale_read WHERE latest_write_ts IS NULL"), 1);
    EXPECT_EQ(reader.scalar("SELECT count(*) FROM clobber WHERE overwritten_writer IS NULL AND "
                            "overwritten_write_ts IS NULL AND cause = 'eviction'"),
              1);
    // The same column order as a database created at version 2 (SELECT * and the GUI's tables rely on it).
    fs::create_directories(dir / "fresh");
    Database created(emptyTraceDatabase(dir / "fresh"), Database::Mode::ReadOnly);
    const auto columns = [](Database& db, const std::string& table) {
        vcm::db::Statement q = db.prepare("SELECT group_concat(name) FROM pragma_table_info('" + table + "')");
        q.step();
        return q.columnText(0);
    };
    for (const char* table : {"stale_read", "clobber"})
        EXPECT_EQ(columns(reader, table), columns(created, table)) << table;
    fs::remove_all(dir);
}

// A damaged user_version (negative) was taken for a version to migrate from: "vector::_M_range_check".
TEST(TraceDatabaseSchema, ANegativeVersionIsNotAVcmDatabase)
{
    const fs::path dir = scratchDirectory();
    const fs::path file = dir / "negative.db";
    {
        Database db(file, Database::Mode::Create);
        vcm::db::createSchema(db);
        db.setUserVersion(-1);
    }
    try {
        vcm::db::openTraceDatabase(file);
        ADD_FAILURE() << "a database of version -1 was opened";
    } catch (const vcm::db::DatabaseError& e) {
        EXPECT_THAT(e.what(), ::testing::HasSubstr("not a vcm trace database (user_version -1)"));
    }
    fs::remove_all(dir);
}

TEST(TraceDatabaseFile, TemporariesOfDeadWritersAreRemovedOthersKept)
{
    const fs::path dir = scratchDirectory();
    const fs::path target = dir / "run.db";
    const fs::path dead = fs::path(target.string() + ".tmp-" + std::to_string(deadProcessId()));
    const fs::path alive = fs::path(target.string() + ".tmp-" + std::to_string(::getppid()));
    const fs::path notAPid = fs::path(target.string() + ".tmp-notes");
    const fs::path otherTarget = dir / ("other.db.tmp-" + std::to_string(deadProcessId()));
    for (const fs::path& file : {dead, alive, notAPid, otherTarget})
        std::ofstream(file) << "leftover";
    {
        vcm::db::DatabaseFile file(target);
        EXPECT_EQ(file.temporary(), vcm::db::DatabaseFile::temporaryFor(target));
        EXPECT_FALSE(fs::exists(dead)) << "its process is gone: a killed ingest's leftover";
        EXPECT_TRUE(fs::exists(alive)) << "its process runs: another ingest at work";
        EXPECT_TRUE(fs::exists(notAPid));
        EXPECT_TRUE(fs::exists(otherTarget)) << "another target's";
        vcm::db::createSchema(file.database());
        file.commit();
    }
    EXPECT_TRUE(fs::exists(target));
    EXPECT_FALSE(fs::exists(vcm::db::DatabaseFile::temporaryFor(target)));
    fs::remove_all(dir);
}

// The guard in a child process (signal dispositions are per process): the child makes the file, arms the
// guard and is sent the signal.
TEST(TraceDatabaseFile, InterruptedWriterRemovesItsTemporaryAndDiesOfTheSignal)
{
    const fs::path dir = scratchDirectory();
    for (const int signal : {SIGTERM, SIGINT}) {
        const fs::path file = dir / ("partial-" + std::to_string(signal));
        const pid_t child = ::fork();
        if (child == 0) {
            std::ofstream(file) << "half written";
            const vcm::db::RemoveOnTerminationSignal guard(file);
            ::kill(::getpid(), signal);
            ::_exit(0); // not reached: the signal ends the process
        }
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFSIGNALED(status)) << "ends by the signal, as without the guard";
        if (WIFSIGNALED(status)) {
            EXPECT_EQ(WTERMSIG(status), signal);
        }
        EXPECT_FALSE(fs::exists(file)) << "signal " << signal;
    }
    fs::remove_all(dir);
}

TEST(TraceDatabaseFile, TheGuardRestoresTheSignalsItTook)
{
    struct sigaction before {};
    ::sigaction(SIGTERM, nullptr, &before);
    {
        const vcm::db::RemoveOnTerminationSignal guard(fs::temp_directory_path() / "vcm-never-created");
        struct sigaction during {};
        ::sigaction(SIGTERM, nullptr, &during);
        EXPECT_NE(during.sa_handler, before.sa_handler);
    }
    struct sigaction after {};
    ::sigaction(SIGTERM, nullptr, &after);
    EXPECT_EQ(after.sa_handler, before.sa_handler);
}

} // namespace

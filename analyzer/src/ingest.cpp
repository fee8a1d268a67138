#include "vcm/analyzer/ingest.h"

#include "ctf_event_decoder.h"
#include "vcm/analyzer/ctf_reader.h"
#include "vcm/analyzer/kvm_trace_reader.h"
#include "vcm/analyzer/trace_database_builder.h"
#include "vcm/db/database_file.h"
#include "vcm/db/schema.h"

#include <fmt/core.h>

#include <chrono>
#include <system_error>

namespace vcm::analyzer {

bool isLiveUrl(const std::string& source)
{
    return source.starts_with("net://") || source.starts_with("net4://") || source.starts_with("net6://");
}

std::filesystem::path databaseBeside(const std::string& traceDirectory)
{
    std::filesystem::path directory = std::filesystem::absolute(traceDirectory).lexically_normal();
    if (directory.filename().empty()) // "trace/" normalises to "trace/": drop the separator
        directory = directory.parent_path();
    directory += ".db";
    return directory;
}

namespace {

using Clock = std::chrono::steady_clock;

void readSource(const std::string& source, CtfEventDecoder& decoder)
{
    if (isLiveUrl(source))
        readLiveTrace(source, decoder);
    else
        readCtfTrace(source, decoder);
}

void setIngestState(db::Database& database, const char* state)
{
    database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('ingest_state', ?)").bind(1, state).run();
}

// A new database at `output` for a following ingest: whatever was there goes (with its WAL and shared-memory
// files, which belong to that file only), so that a reader never mixes the old file's WAL with the new one.
db::Database createInPlace(const std::filesystem::path& output)
{
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::path file = output;
        file += suffix;
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
    }
    db::Database database(output, db::Database::Mode::Create);
    // WAL: readers see the last commit while the writer goes on, and never block it. synchronous NORMAL: a
    // commit costs no fsync (a power cut may lose the last commits, which a re-ingest would redo anyway).
    // Until the switch, the file is in rollback mode: a follower that opened it the moment it appeared holds a
    // shared lock, and the switch (which needs the file alone) would fail at once with "database is locked"
    // (seen in CI). A busy timeout lets it wait for that reader's query to end.
    database.exec("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    return database;
}

IngestResult ingestFollowing(const std::string& source, const std::filesystem::path& output,
                             const IngestOptions& options)
{
    IngestResult result;
    db::Database database = createInPlace(output);
    {
        // Schema and every index up front: readers query while rows arrive, and an index built at the end would
        // take the write lock for as long as it takes to build.
        db::Transaction transaction(database);
        db::createSchema(database);
        db::createIndexes(database);
        database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('source', ?)").bind(1, source).run();
        database.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('trace_format', 'ctf'), ('oracle', 'vcm')");
        setIngestState(database, "following");
        transaction.commit();
    }
    try {
        const auto started = Clock::now();
        // Begun here and committed, then begun again, by the builder's writer at each commit point.
        database.exec("BEGIN");
        {
            TraceDatabaseBuilder builder(database, options.commitInterval);
            CtfEventDecoder decoder(builder, options.progress, source);
            try {
                readSource(source, decoder);
            } catch (const CtfReadError& e) {
                throw CtfReadError(fmt::format("{} [after {} events; the rows committed until then stay in {}]",
                                               e.what(), builder.events(), output.string()));
            }
            if (builder.events() == 0)
                throw CtfReadError(source + ": the trace holds no events");
            builder.finish();
            db::fillVcpuWaits(database);
            result.events = builder.events();
            result.discardedEvents = builder.discardedEvents();
            result.lostPackets = builder.lostPackets();
        }
        database.exec("COMMIT");
        result.readSeconds = std::chrono::duration<double>(Clock::now() - started).count();
        const auto detecting = Clock::now();
        {
            db::Transaction transaction(database);
            result.findings = runDetectors(database, options.detectors);
            transaction.commit();
        }
        database.exec("PRAGMA analysis_limit = 1000; ANALYZE");
        // Last: a reader that sees 'complete' sees the findings and the final run row too.
        setIngestState(database, "complete");
        result.detectSeconds = std::chrono::duration<double>(Clock::now() - detecting).count();
    } catch (...) {
        // Best effort: the rows committed so far stay, marked as the leftovers of a failed ingest.
        try {
            database.exec("ROLLBACK");
        } catch (const db::DatabaseError&) {
            // no transaction was open
        }
        try {
            setIngestState(database, "failed");
        } catch (const db::DatabaseError&) {
            // the database itself is what failed: its state cannot be recorded either
        }
        throw;
    }
    return result;
}

} // namespace

IngestResult ingestTrace(const std::string& source, const std::filesystem::path& output, const IngestOptions& options)
{
    if (options.follow) {
        if (isTraceCmdFile(source))
            throw CtfReadError(fmt::format("{}: a trace-cmd file is complete when written: ingest it without --follow",
                                           source));
        return ingestFollowing(source, output, options);
    }
    IngestResult result;
    db::DatabaseFile file(output);
    db::Database& database = file.database();
    db::createSchema(database);
    {
        const auto started = Clock::now();
        db::Transaction transaction(database);
        TraceDatabaseBuilder builder(database);
        const bool kvmTrace = isTraceCmdFile(source);
        try {
            if (kvmTrace) {
                readKvmTrace(source, builder);
            } else {
                CtfEventDecoder decoder(builder, options.progress, source);
                readSource(source, decoder);
            }
        } catch (const CtfReadError& e) {
            throw CtfReadError(fmt::format("{} [after {} events; nothing was written]", e.what(), builder.events()));
        }
        if (builder.events() == 0)
            throw CtfReadError(source + ": the trace holds no events");
        builder.finish();
        db::fillVcpuWaits(database);
        auto meta = [&](const char* key, const std::string& value) {
            database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").bind(1, key).bind(2, value).run();
        };
        meta("source", source);
        // A hardware trace has no coherence oracle: its empty stale-read tables mean "not known", not "clean".
        meta("trace_format", kvmTrace ? "trace-cmd" : "ctf");
        meta("oracle", kvmTrace ? "none" : "vcm");
        transaction.commit();
        result.events = builder.events();
        result.discardedEvents = builder.discardedEvents();
        result.lostPackets = builder.lostPackets();
        result.readSeconds = std::chrono::duration<double>(Clock::now() - started).count();
    }
    const auto detecting = Clock::now();
    db::createIndexes(database);
    {
        db::Transaction transaction(database);
        result.findings = runDetectors(database, options.detectors);
        transaction.commit();
    }
    // The planner's statistics from a sample (about 1000 rows per index) rather than from every row: close
    // enough for its choices (which index, which join order), in a fraction of the time on millions of rows.
    database.exec("PRAGMA analysis_limit = 1000; ANALYZE");
    result.detectSeconds = std::chrono::duration<double>(Clock::now() - detecting).count();
    file.commit();
    return result;
}

} // namespace vcm::analyzer

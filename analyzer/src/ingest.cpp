#include "vcm/analyzer/ingest.h"

#include "ctf_event_decoder.h"
#include "vcm/analyzer/ctf_reader.h"
#include "vcm/analyzer/trace_database_builder.h"
#include "vcm/db/database_file.h"
#include "vcm/db/schema.h"

#include <fmt/core.h>

#include <chrono>

namespace vcm::analyzer {

bool isLiveUrl(const std::string& source)
{
    return source.starts_with("net://") || source.starts_with("net4://") || source.starts_with("net6://");
}

IngestResult ingestTrace(const std::string& source, const std::filesystem::path& output, const IngestOptions& options)
{
    using Clock = std::chrono::steady_clock;
    IngestResult result;
    db::DatabaseFile file(output);
    db::Database& database = file.database();
    db::createSchema(database);
    {
        const auto started = Clock::now();
        db::Transaction transaction(database);
        TraceDatabaseBuilder builder(database);
        CtfEventDecoder decoder(builder, options.progress);
        try {
            if (isLiveUrl(source))
                readLiveTrace(source, decoder);
            else
                readCtfTrace(source, decoder);
        } catch (const CtfReadError& e) {
            throw CtfReadError(fmt::format("{} [after {} events; nothing was written]", e.what(), builder.events()));
        }
        if (builder.events() == 0)
            throw CtfReadError(source + ": the trace holds no events");
        builder.finish();
        database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('source', ?)").bind(1, source).run();
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

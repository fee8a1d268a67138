// vcm ingest: a CTF trace directory or a live session URL into a trace database (db/sql/schema.sql), with
// the detectors' findings. The database is written to a temporary file and renamed over `output` only when
// everything succeeded, so a failed or interrupted ingest leaves any previous database untouched.
// A following ingest (IngestOptions::follow) gives that up so that readers can watch the database fill: it
// writes `output` itself (replacing a previous one at the start), in WAL mode, and commits every so often;
// meta ingest_state says 'following', then 'complete' once the detectors have run. A failed or interrupted
// following ingest leaves the rows committed so far, with ingest_state 'following' (or 'failed').
#pragma once

#include "vcm/analyzer/detectors.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace vcm::analyzer {

struct IngestOptions {
    DetectorOptions detectors;
    // Called now and then while reading (every 65536 events) with the events read so far.
    std::function<void(std::uint64_t events)> progress;
    // Follow: write `output` in place, WAL, indexes first, commit every commitInterval of wall time.
    bool follow = false;
    std::chrono::milliseconds commitInterval{500};
};

struct IngestResult {
    std::uint64_t events = 0;
    std::uint64_t discardedEvents = 0;
    std::uint64_t lostPackets = 0;
    std::uint64_t findings = 0;
    double readSeconds = 0;     // decoding and row building, and the writer thread's inserts overlapping them
    double detectSeconds = 0;   // indexes, detectors and ANALYZE
};

// `source`: a directory holding a CTF trace (searched recursively) or a net:// live URL. Throws CtfReadError
// (unusable trace) or db::DatabaseError (cannot write the output).
IngestResult ingestTrace(const std::string& source, const std::filesystem::path& output, const IngestOptions& options);

bool isLiveUrl(const std::string& source);

// Where a trace directory's database goes unless told otherwise: TRACE_DIR.db beside the directory (absolute,
// a trailing separator ignored). `vcm ingest` without -o and vcm-gui both put it there.
std::filesystem::path databaseBeside(const std::string& traceDirectory);

} // namespace vcm::analyzer

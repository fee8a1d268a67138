// vcm ingest [--follow [--commit-ms N]] TRACE_DIR|LIVE_URL [-o run.db]   (default: TRACE_DIR.db beside it)
#include "analyzer_commands.h"
#include "vcm/tracer/time_units.h"
#include "vcm/analyzer/ingest.h"
#include "vcm/db/database_file.h"
#include "vcm/db/remove_on_termination_signal.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace vcm::analyzer::cli {
namespace {

struct IngestOptionsCli {
    std::string source;
    std::string output;
    std::uint64_t longFlushNs = DetectorOptions{}.longFlushSegmentNs;
    bool quiet = false;
    bool follow = false;
    std::uint32_t commitMs = 500;
};

// Progress on a terminal: events read and rate; the ETA comes from the trace's size on disk, read at the
// rate of the bytes consumed so far (events are not counted before reading).
class Progress {
public:
    explicit Progress(const std::string& source) : m_started(std::chrono::steady_clock::now())
    {
        std::error_code ec;
        if (!isLiveUrl(source))
            for (auto it = std::filesystem::recursive_directory_iterator(source, ec);
                 !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
                if (it->is_regular_file(ec) && it->path().filename() != "metadata")
                    m_traceBytes += it->file_size(ec);
    }
    void operator()(std::uint64_t events)
    {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
        const double rate = seconds > 0 ? static_cast<double>(events) / seconds : 0;
        fmt::print(stderr, "\rvcm ingest: {} events read, {:.2f} M events/s", events, rate / 1e6);
        if (m_traceBytes > 0 && m_bytesPerEvent > 0) {
            const double total = static_cast<double>(m_traceBytes) / m_bytesPerEvent;
            fmt::print(stderr, ", ETA {:.0f} s   ", std::max(0.0, (total - static_cast<double>(events)) / rate));
        }
        std::fflush(stderr);
    }
    void done() { fmt::print(stderr, "\n"); }

private:
    std::chrono::steady_clock::time_point m_started;
    std::uint64_t m_traceBytes = 0;
    double m_bytesPerEvent = 40; // a vcm event averages about 40 bytes in CTF (header and payload)
};

int ingest(IngestOptionsCli o)
{
    if (o.output.empty()) {
        if (isLiveUrl(o.source))
            throw std::invalid_argument(fmt::format("{}: a live session has no directory to put its database beside: "
                                                    "give one with -o FILE",
                                                    o.source));
        o.output = databaseBeside(o.source).string();
    }
    IngestOptions options;
    options.detectors.longFlushSegmentNs = o.longFlushNs;
    options.follow = o.follow;
    options.commitInterval = std::chrono::milliseconds(std::max<std::uint32_t>(o.commitMs, 1));
    auto progress = std::make_shared<Progress>(o.source);
    const bool terminal = ::isatty(STDERR_FILENO) != 0 && !o.quiet;
    if (terminal)
        options.progress = [progress](std::uint64_t events) { (*progress)(events); };
    IngestResult r;
    if (o.follow) {
        // Written in place: Ctrl-C or kill leaves what was committed so far, which is what a follower wants.
        r = ingestTrace(o.source, o.output, options);
    } else {
        // Ctrl-C or kill during the ingest: no DB.tmp-PID left behind (ingestTrace writes that file).
        const db::RemoveOnTerminationSignal cleanup(db::DatabaseFile::temporaryFor(o.output));
        r = ingestTrace(o.source, o.output, options);
    }
    if (terminal)
        progress->done();
    fmt::print("{}: {} events ({:.2f} M events/s), {} discarded, {} packets lost; {} findings\n", o.output, r.events,
               r.readSeconds > 0 ? static_cast<double>(r.events) / r.readSeconds / 1e6 : 0.0, r.discardedEvents,
               r.lostPackets, r.findings);
    return 0;
}

} // namespace

Command addIngestCommand(CLI::App& parent)
{
    auto options = std::make_shared<IngestOptionsCli>();
    CLI::App* app = parent.add_subcommand("ingest", "Read a CTF trace (or a live session) into a SQLite database "
                                                    "and run the detectors");
    app->add_option("trace", options->source, "Trace directory, or a net:// live URL")->required();
    app->add_option("-o,--output", options->output,
                    "Database file to write (default TRACE_DIR.db beside the trace, as vcm-gui picks it; replaced "
                    "atomically, or written in place with --follow)");
    app->add_option("--long-flush-ns", options->longFlushNs,
                    "Flush segments longer than this are findings (virtual ns, or with a unit: 750us, 2ms; "
                    "default 1ms)")
        ->transform(CLI::AsNumberWithUnit(tracer::nanosecondUnits()));
    app->add_flag("-q,--quiet", options->quiet, "No progress line");
    app->add_flag("--follow", options->follow,
                  "Write the database in place (WAL) and commit as rows arrive, so that readers can watch a live "
                  "session fill it; meta ingest_state is 'following', then 'complete' (not atomic: a failed "
                  "ingest leaves a partial database)");
    app->add_option("--commit-ms", options->commitMs,
                    "With --follow: commit every this many ms of wall time (or with a unit: 2s; default 500)")
        ->transform(CLI::AsNumberWithUnit(tracer::millisecondUnits()));
    return {app, [options] { return ingest(*options); }};
}

} // namespace vcm::analyzer::cli

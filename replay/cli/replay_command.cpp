// vcm replay TRACE_DIR [-o NEW_TRACE] [--set k=v]           re-run and compare: 0 identical, 1 divergent
// vcm replay TRACE_DIR --until ... --inspect ADDR [--json]  the machine at an instant: 0, or 1 never reached
// vcm replay TRACE_DIR --what-if policy=xen [--set k=v]     what changes under another policy or knob
// vcm replay TRACE_DIR --live [--speed S]                  play the run back as a live session
// Exit status 2: the trace or the guests cannot be used (the message says why).
#include "replay_command.h"

#include "vcm/tracer/time_units.h"
#include "vcm/replay/instant_inspection.h"
#include "vcm/replay/replayer.h"
#include "vcm/replay/what_if.h"

#include <fmt/core.h>

#include <memory>
#include <stdexcept>

namespace vcm::replay::cli {
namespace {

struct Options {
    std::string trace;
    std::string output;
    std::optional<std::uint64_t> untilVtime;
    std::optional<std::uint64_t> untilEvent;
    std::optional<std::string> untilFirst;
    std::vector<std::string> inspect;
    bool json = false;
    std::vector<std::string> whatIf;
    std::vector<std::string> set;
    std::string guestDirectory;
    bool live = false;
    double speed = 0.001;
    std::uint64_t liveWaitMs = 0;
};

std::uint64_t parseAddress(const std::string& text)
{
    std::size_t used = 0;
    const std::uint64_t value = std::stoull(text, &used, 0);
    if (used != text.size())
        throw ReplayError(fmt::format("--inspect {}: expected an address (0x... or decimal)", text));
    return value;
}

void printEvent(const char* label, const std::optional<EventText>& e)
{
    if (e)
        fmt::print("  {} #{}: {}\n", label, e->index, e->text);
    else
        fmt::print("  {}: (no event: the trace ended)\n", label);
}

int replayAndCompare(const Options& o, const std::filesystem::path& guests)
{
    ReplayOptions options;
    options.output = o.output;
    options.guestDirectory = guests;
    options.extraOverrides = o.set;
    const ReplayResult r = replayTrace(o.trace, options);
    fmt::print("replayed {} ({} under {}, seed {}, recorded by vcm {}){}\n", o.trace, r.recorded.scenario,
               r.recorded.policy, r.recorded.seed, r.recorded.vcmVersion,
               o.output.empty() ? "" : fmt::format("; new trace in {}", o.output));
    if (!r.comparison.divergence) {
        fmt::print("identical: {} events, names, fields and virtual times\n", r.comparison.recordedEvents);
        return 0;
    }
    if (r.recorded.discardedEvents != 0 || r.recorded.lostPackets != 0)
        fmt::print("the recording lost {} events and {} packets (LTTng's buffers were full): no replay can match "
                   "it; record it again with larger buffers (vcm run --subbuffer-bytes, --subbuffers)\n",
                   r.recorded.discardedEvents, r.recorded.lostPackets);
    const Divergence& d = *r.comparison.divergence;
    fmt::print("DIVERGED at event #{}{}: {}\n", d.index,
               d.recorded && d.recorded->vtimeNs ? fmt::format(" (virtual time {} ns)", *d.recorded->vtimeNs) : "",
               d.difference);
    for (const EventText& e : d.context)
        fmt::print("  before #{}: {}\n", e.index, e.text);
    printEvent("recorded", d.recorded);
    printEvent("replayed", d.replayed);
    return 1;
}

int inspect(const Options& o, const std::filesystem::path& guests)
{
    const RecordedRun run = readRecordedRun(o.trace);
    Instant instant;
    instant.eventIndex = o.untilEvent;
    instant.vtimeNs = o.untilVtime;
    instant.firstEvent = o.untilFirst;
    std::vector<std::uint64_t> addresses;
    for (const std::string& a : o.inspect)
        addresses.push_back(parseAddress(a));
    const std::optional<MachineState> state = inspectAt(run, instant, addresses, guests);
    if (!state) {
        fmt::print(stderr, "vcm replay: the run ended before that instant\n");
        return 1;
    }
    fmt::print("{}", o.json ? toJson(*state) : toText(*state));
    return 0;
}

int whatIfCommand(const Options& o, const std::filesystem::path& guests)
{
    std::vector<std::string> changes = o.whatIf;
    changes.insert(changes.end(), o.set.begin(), o.set.end()); // with --what-if, --set is one more change
    const RecordedRun run = readRecordedRun(o.trace);
    fmt::print("{}", toText(whatIf(run, changes, guests)));
    return 0;
}

int playLiveCommand(const Options& o, const std::filesystem::path& guests)
{
    const RecordedRun run = readRecordedRun(o.trace);
    const hyp::scenario::RunReport report =
        playLive(run, o.speed, std::chrono::milliseconds(o.liveWaitMs),
                 [](const std::string& url) { fmt::print(stderr, "vcm: live trace at {}\n", url); }, guests);
    fmt::print("played back {} ({} under {}) at {} virtual s per s: {} instructions, {} stale reads\n", o.trace,
               run.scenario, run.policy, o.speed, report.instructions, report.staleReads);
    return 0;
}

} // namespace

ReplayCommand addReplayCommand(CLI::App& parent)
{
    auto o = std::make_shared<Options>();
    CLI::App* app = parent.add_subcommand(
        "replay", "Re-execute a recorded run from its trace: compare, inspect the machine at an instant, or ask what if");
    app->add_option("trace", o->trace, "Trace directory recorded by vcm run --trace")->required();
    app->add_option("-o,--output", o->output, "Keep the replay's own trace in this directory");
    auto* until = app->add_option("--until", o->untilVtime,
                                  "Stop at the first event at or after this virtual time (ns, or with a unit: 647us, "
                                  "2ms, 1s)")
                      ->transform(CLI::AsNumberWithUnit(tracer::nanosecondUnits()));
    auto* untilEvent = app->add_option("--until-event", o->untilEvent, "Stop at this event (0-based index in the trace)");
    auto* untilFirst = app->add_option("--until-first", o->untilFirst, "Stop at the first event of this name (stale_read, ...)");
    until->excludes(untilEvent)->excludes(untilFirst);
    untilEvent->excludes(untilFirst);
    app->add_option("--inspect", o->inspect, "Machine address to show at that instant (repeatable)");
    app->add_flag("--json", o->json, "Print the machine state as JSON");
    auto* whatIfOption = app->add_option("--what-if", o->whatIf, "Re-run with this change: policy=NAME or key=value (repeatable)");
    app->add_option("--set", o->set,
                    "Replay with this scenario key=value changed and show where the run diverges (with --what-if: "
                    "one more change) (repeatable)");
    app->add_option("--guest-dir", o->guestDirectory, "Where guest programs are (default: the build's)");
    whatIfOption->excludes(until)->excludes(untilEvent)->excludes(untilFirst);
    auto* live = app->add_flag("--live", o->live,
                               "Play the recording back as a live session (URL on stderr) for live consumers");
    app->add_option("--speed", o->speed, "Live playback: virtual seconds per wall second (default 0.001)")
        ->check(CLI::PositiveNumber);
    app->add_option("--live-wait-ms", o->liveWaitMs,
                    "Live playback: wait this long after the URL before starting (ms, or with a unit: 2s)")
        ->transform(CLI::AsNumberWithUnit(tracer::millisecondUnits()));
    live->excludes(until)->excludes(untilEvent)->excludes(untilFirst)->excludes(whatIfOption);
    return {app, [o] {
                std::error_code ec;
                if (std::filesystem::is_regular_file(o->trace, ec))
                    throw std::invalid_argument(fmt::format(
                        "{} is a file: vcm replay re-executes a run from the trace directory vcm run --trace recorded "
                        "(a database keeps the analysis, not what the guests executed)",
                        o->trace));
                const std::filesystem::path guests =
                    o->guestDirectory.empty() ? hyp::scenario::defaultGuestDirectory() : std::filesystem::path(o->guestDirectory);
                try {
                    if (o->live)
                        return playLiveCommand(*o, guests);
                    if (o->untilVtime || o->untilEvent || o->untilFirst)
                        return inspect(*o, guests);
                    if (!o->whatIf.empty())
                        return whatIfCommand(*o, guests);
                    return replayAndCompare(*o, guests);
                } catch (const ReplayError& e) {
                    fmt::print(stderr, "vcm replay: {}\n", e.what());
                    return 2;
                }
            }};
}

} // namespace vcm::replay::cli

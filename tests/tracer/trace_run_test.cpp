// Scenario runs recorded with LTTng and read back through Babeltrace2: the trace holds what the run summary
// reports, repeats exactly, reports its own losses, and the flight recorder keeps the first stale read.
#include "vcm/analyzer/ctf_reader.h"
#include "vcm/analyzer/ctf_setway_traps.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/tracer/flight_recorder_sink.h"
#include "vcm/tracer/lttng_event_sink.h"
#include "vcm/tracer/trace_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <map>
#include <tuple>
#include <vector>

namespace vcm {
namespace {

const std::filesystem::path kScenarios = VCM_SCENARIO_DIR;

struct RecordedRun {
    hyp::scenario::RunReport report;
    tracer::TraceLoss loss;
    std::filesystem::path directory;
};

std::filesystem::path freshDirectory(const std::string& name)
{
    const auto dir = std::filesystem::temp_directory_path() / ("vcm_trace_test_" + name);
    std::filesystem::remove_all(dir);
    return dir;
}

RecordedRun record(const std::string& scenario, const std::vector<std::string>& overrides, const std::string& name,
                   std::uint64_t subbufferBytes = 1u << 20, std::uint64_t subbuffers = 16)
{
    RecordedRun run;
    run.directory = freshDirectory(name);
    tracer::TraceSessionOptions options;
    options.output = run.directory;
    options.subbufferBytes = subbufferBytes;
    options.subbufferCount = subbuffers;
    tracer::TraceSession session(options);
    tracer::LttngEventSink sink;
    run.report = hyp::scenario::runScenario(hyp::scenario::loadScenario(kScenarios / scenario, overrides),
                                            hyp::scenario::defaultGuestDirectory(), &sink);
    run.loss = session.stop();
    return run;
}

// Counts events by name (and traps by kind), remembers the order and discarded counts.
struct Counter : analyzer::CtfVisitor {
    std::map<std::string, std::uint64_t> byName;
    std::map<std::uint64_t, std::uint64_t> trapsByKind;
    std::uint64_t ticks = 0; // timer_tick events and the ticks of timer_ticks events
    std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> sequence; // name, vtime_ns, address/operand
    std::uint64_t discarded = 0;

    void onEvent(const analyzer::CtfEventView& e) override
    {
        const std::string name(e.name());
        ++byName[name];
        if (name == "vcm:timer_tick")
            ++ticks;
        if (name == "vcm:timer_ticks")
            ticks += e.unsignedField("count").value_or(0);
        if (name == "vcm:trap")
            ++trapsByKind[e.unsignedField("kind").value_or(99)];
        sequence.emplace_back(name, e.unsignedField("vtime_ns").value_or(0),
                              e.unsignedField("address").value_or(e.unsignedField("operand").value_or(0)));
        if (const auto traps = analyzer::setWayTrapsOf(e)) { // a batch of set/way traps: each trap counts
            trapsByKind[0] += traps->size();
            for (const tracer::SetWayTrap& t : *traps)
                sequence.emplace_back("set/way trap", t.vtimeNs, t.operand);
        }
    }
    void onDiscardedEvents(std::uint64_t count, const HostRange&) override { discarded += count; }
};

Counter readBack(const std::filesystem::path& directory)
{
    Counter counter;
    analyzer::readCtfTrace(directory, counter);
    return counter;
}

TEST(TraceRun, EventCountsEqualTheRunSummary)
{
    const RecordedRun run = record("seed004-setway-migrate.toml", {"policy.name=xen"}, "counts");
    EXPECT_EQ(run.loss.discardedEvents, 0u);
    EXPECT_EQ(run.loss.lostPackets, 0u);
    const Counter c = readBack(run.directory);
    EXPECT_EQ(c.discarded, 0u);
    EXPECT_EQ(c.byName.at("vcm:run_configuration"), 1u);
    EXPECT_EQ(c.byName.at("vcm:run_end"), 1u);
    EXPECT_EQ(c.trapsByKind.at(0), run.report.traps.setWay);
    EXPECT_EQ(c.trapsByKind.count(1) ? c.trapsByKind.at(1) : 0, run.report.traps.tvm);
    EXPECT_EQ(c.trapsByKind.count(2) ? c.trapsByKind.at(2) : 0, run.report.traps.stage2Fault);
    EXPECT_EQ(c.byName.at("vcm:flush_segment_end"), run.report.flushSegments);
    EXPECT_EQ(c.byName.at("vcm:flush_request"), run.report.flushes);
    EXPECT_EQ(c.byName.at("vcm:vcpu_migrate"), run.report.migrations);
    EXPECT_GT(run.report.migrations, 0u);
    EXPECT_EQ(c.ticks, run.report.timerTicks);
    EXPECT_EQ(c.byName.count("vcm:stale_read"), 0u);
}

// storm-16g under kvm: long non-preemptible flush segments leave cores owing dozens of ticks at once, which travel
// as vcm:timer_ticks events; every tick the machine counted is in the trace, one way or the other.
TEST(TraceRun, TicksOwedAfterALongSegmentTravelTogether)
{
    const RecordedRun run = record("storm-16g.toml", {"policy.name=kvm"}, "ticks");
    const Counter c = readBack(run.directory);
    ASSERT_GT(c.byName.count("vcm:timer_ticks"), 0u);
    EXPECT_EQ(c.ticks, run.report.timerTicks);
    EXPECT_GT(c.ticks, 10 * c.byName.at("vcm:timer_ticks")) << "most ticks of this run were owed in runs";
}

TEST(TraceRun, StaleReadsAndWindowsAreTraced)
{
    const RecordedRun run = record("seed004-bootloader-setway.toml", {}, "stale");
    const Counter c = readBack(run.directory);
    EXPECT_GT(run.report.staleReads, 0u);
    EXPECT_EQ(c.byName.at("vcm:stale_read"), run.report.staleReads);
    EXPECT_EQ(c.byName.at("vcm:stale_window_open"), run.report.staleWindows);
}

TEST(TraceRun, SameScenarioAndSeedGiveTheSameEvents)
{
    // kvm-6.1: a set/way trap for every set and way, so thousands of events to compare.
    const Counter a = readBack(record("seed004-bootloader-setway.toml", {"policy.name=\"kvm-6.1\""}, "repeat_a").directory);
    const Counter b = readBack(record("seed004-bootloader-setway.toml", {"policy.name=\"kvm-6.1\""}, "repeat_b").directory);
    ASSERT_GT(a.sequence.size(), 1000u);
    EXPECT_EQ(a.sequence, b.sequence);
}

TEST(TraceRun, TinyBuffersReportDiscardedEvents)
{
    // storm-16g under native: its set/way loop runs untrapped, one vcm:maintenance event per DC CISW (under xen
    // the same loop traps, and the traps code into batches small enough for these buffers).
    const RecordedRun run = record("storm-16g.toml", {"policy.name=native"}, "tiny", 4096, 2);
    EXPECT_GT(run.loss.discardedEvents, 0u) << "174,000 maintenance events cannot fit in two 4 KiB sub-buffers";
    const Counter c = readBack(run.directory);
    EXPECT_GT(c.discarded, 0u) << "the reader sees the loss too";
    const RecordedRun whole = record("storm-16g.toml", {"policy.name=native"}, "whole");
    EXPECT_EQ(whole.loss.discardedEvents, 0u);
    auto events = [](const Counter& counter) {
        std::uint64_t total = 0;
        for (const auto& [name, count] : counter.byName)
            total += count;
        return total;
    };
    EXPECT_EQ(events(c) + c.discarded, events(readBack(whole.directory))) << "what is missing is what was discarded";
}

// A visitor's exception stops the read and reaches the caller as itself: it never unwinds through
// Babeltrace2's C frames (the reader keeps it, fails the graph, and rethrows it afterwards).
TEST(TraceRun, AVisitorsExceptionReachesTheCallerUnchanged)
{
    const RecordedRun run = record("seed004-bootloader-setway.toml", {}, "throwing");
    struct Throwing final : analyzer::CtfVisitor {
        int seen = 0;
        void onEvent(const analyzer::CtfEventView&) override
        {
            if (++seen == 5)
                throw std::logic_error("visitor gave up at event 5");
        }
    } visitor;
    try {
        analyzer::readCtfTrace(run.directory, visitor);
        FAIL() << "the exception was lost";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "visitor gave up at event 5");
    }
    EXPECT_EQ(visitor.seen, 5) << "no event is delivered after the failure";
    Counter again = readBack(run.directory);
    EXPECT_GT(again.byName.at("vcm:run_configuration"), 0u) << "the next read in this thread works";
}

TEST(TraceRun, FlightRecorderKeepsTheFirstStaleReadAndWhatLedToIt)
{
    const auto directory = freshDirectory("flight");
    tracer::TraceSessionOptions options;
    options.output = directory;
    options.flightRecorder = true;
    std::string reason;
    {
        tracer::TraceSession session(options);
        tracer::LttngEventSink lttng;
        tracer::FlightRecorderSink recorder(lttng, 1'000'000, [&](const std::string& why) {
            reason = why;
            session.snapshot();
        });
        hyp::scenario::runScenario(hyp::scenario::loadScenario(kScenarios / "seed004-bootloader-setway.toml"),
                                   hyp::scenario::defaultGuestDirectory(), &recorder);
        EXPECT_TRUE(recorder.triggered());
        session.stop();
    }
    EXPECT_NE(reason.find("stale read"), std::string::npos) << reason;
    const Counter c = readBack(directory);
    EXPECT_EQ(c.byName.at("vcm:stale_read"), 1u) << "the snapshot ends at the first stale read";
    EXPECT_GE(c.byName.at("vcm:marker"), 2u) << "caches-on and setway-clean came before it";
    // The configuration, the agent table and the vCPUs are emitted again right before the snapshot (overwrite
    // mode may have dropped the first ones): the snapshot ends stale_read, run_configuration, agents, vCPUs.
    const std::uint64_t agents = c.byName.at("vcm:agent") / 2 + c.byName.at("vcm:vcpu_create") / 2;
    ASSERT_GE(agents, 7u) << "four hypervisor agents, the domain builder, the vCPU as agent and as vCPU";
    ASSERT_GE(c.sequence.size(), agents + 2);
    const std::size_t configuration = c.sequence.size() - agents - 1;
    EXPECT_EQ(std::get<0>(c.sequence[configuration]), "vcm:run_configuration");
    EXPECT_EQ(std::get<0>(c.sequence[configuration - 1]), "vcm:stale_read");
    for (std::size_t i = configuration + 1; i < c.sequence.size(); ++i)
        EXPECT_TRUE(std::get<0>(c.sequence[i]) == "vcm:agent" || std::get<0>(c.sequence[i]) == "vcm:vcpu_create") << i;
}

// Live: a reader attached through lttng-relayd sees the events of earlier runs while later ones are going.
TEST(TraceRun, LiveReaderSeesEventsDuringTheSession)
{
    struct LiveCounter : analyzer::CtfVisitor {
        std::atomic<std::uint64_t> events{0};
        std::atomic<std::uint64_t> configurations{0};
        std::atomic<std::uint64_t> probes{0};
        void onEvent(const analyzer::CtfEventView& e) override
        {
            ++events;
            if (e.name() == "vcm:run_configuration")
                ++configurations;
            if (e.name() == "vcm:marker")
                ++probes;
        }
    } counter;
    tracer::TraceSessionOptions options;
    options.live = true;
    options.liveTimerUs = 20'000;
    tracer::TraceSession session(options);
    EXPECT_NE(session.liveUrl().find("net://localhost/host/"), std::string::npos);
    std::string readError;
    std::thread reader([&] {
        try {
            analyzer::readLiveTrace(session.liveUrl(), counter);
        } catch (const analyzer::CtfReadError& e) {
            readError = e.what();
        }
    });
    tracer::LttngEventSink sink;
    // Babeltrace2's live source attaches at the relay's current position (LTTNG_VIEWER_SEEK_LAST): what was
    // streamed before the viewer attached is not replayed to it. Markers go out until one comes back, so the
    // runs start with the reader attached (a whole run takes a few milliseconds).
    for (int i = 0; i < 500 && counter.probes.load() == 0; ++i) {
        sink.marker(0, 0, 0, "viewer-probe");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GT(counter.probes.load(), 0u) << "the live reader never attached";
    const auto scenario = hyp::scenario::loadScenario(kScenarios / "seed004-bootloader-setway.toml");
    std::uint64_t seenBeforeLastRun = 0;
    for (int run = 0; run < 3; ++run) {
        if (run == 2) {
            // Wait (bounded) until the first runs have streamed through the relay.
            for (int i = 0; i < 300 && counter.configurations.load() < 2; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            seenBeforeLastRun = counter.events.load();
        }
        hyp::scenario::runScenario(scenario, hyp::scenario::defaultGuestDirectory(), &sink);
    }
    const tracer::TraceLoss loss = session.stop();
    reader.join();
    EXPECT_TRUE(readError.empty()) << readError;
    EXPECT_GT(seenBeforeLastRun, 0u) << "events arrived while the session was still recording";
    EXPECT_EQ(counter.configurations.load(), 3u);
    EXPECT_EQ(loss.discardedEvents, 0u);
}

} // namespace
} // namespace vcm

// EventSink::timerTicks: a sink that does not take the ticks together gets each as timerTick() at the virtual time
// the machine would have stamped it with (cycles * 1000 / MHz, rounded down, even when a period is not a whole
// number of ns); a ForwardingSink passes them on as one event, named as in the trace.
#include "vcm/tracer/forwarding_sink.h"
#include "vcm/tracer/timer_ticks.h"

#include <gmock/gmock.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vcm::tracer {
namespace {

struct Ticks : EventSink {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> ticks;
    void timerTick(std::uint64_t t, std::uint32_t core) override { ticks.emplace_back(t, core); }
};

struct Watching : ForwardingSink {
    using ForwardingSink::ForwardingSink;
    std::vector<std::string> names;
    std::vector<std::uint64_t> times;
    void beforeEvent(const char* name, std::optional<std::uint64_t> vtimeNs) override
    {
        names.emplace_back(name);
        times.push_back(vtimeNs.value_or(0));
    }
};

TEST(TimerTicks, EachTickAtTheTimeTheMachineWouldStampIt)
{
    Ticks sink;
    // 3 MHz: a period of 1,000 cycles is 333,333.33 ns; each tick's ns is rounded down from its own cycle count.
    sink.timerTicks(1, 2000, 1000, 4, 3);
    const std::vector<std::pair<std::uint64_t, std::uint32_t>> expected = {
        {666'666, 1}, {1'000'000, 1}, {1'333'333, 1}, {1'666'666, 1}};
    EXPECT_EQ(sink.ticks, expected);
}

TEST(TimerTicks, AForwardingSinkPassesThemOnAsOneEvent)
{
    Ticks next;
    Watching watching(next);
    watching.timerTicks(0, 4'000'000, 2'000'000, 3, 2000);
    EXPECT_EQ(watching.names, (std::vector<std::string>{"vcm:timer_ticks"}));
    EXPECT_EQ(watching.times, (std::vector<std::uint64_t>{2'000'000}));
    ASSERT_EQ(next.ticks.size(), 3u);
    EXPECT_EQ(next.ticks.back().first, 4'000'000u);
}

// What ingest and replay check before they make one row per tick: an event must describe its own times.
TEST(TimerTicks, AReaderRefusesTicksThatDoNotRunFromTheEventsFirstToItsLastTime)
{
    using ::testing::HasSubstr;
    auto refused = [](const TimerTicks& ticks, std::uint64_t vtimeNs, std::uint64_t lastVtimeNs) {
        try {
            checkTimerTicks(ticks, vtimeNs, lastVtimeNs);
        } catch (const TimerTicksError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    // 72 ticks of a 2 GHz core every 2,000,000 cycles (1 ms) from 1 ms: 1 ms to 72 ms, as the machine writes it.
    const TimerTicks good{1, 2000, 2'000'000, 2'000'000, 72};
    EXPECT_EQ(refused(good, 1'000'000, 72'000'000), "accepted");
    EXPECT_EQ(good.nanoseconds(71), 72'000'000u);

    TimerTicks damaged = good;
    damaged.count = 4'000'000'000u; // a damaged count: rows for four billion ticks
    EXPECT_THAT(refused(damaged, 1'000'000, 72'000'000),
                HasSubstr("run from 1000000 ns to 4000000000000000 ns, not from vtime_ns 1000000 to last_vtime_ns "
                          "72000000"));
    EXPECT_THAT(refused(good, 1'000'001, 72'000'000), HasSubstr("not from vtime_ns 1000001"));
    damaged = good;
    damaged.periodCycles = 0;
    EXPECT_THAT(refused(damaged, 1'000'000, 1'000'000), HasSubstr("must not be 0"));
    damaged = good;
    damaged.coreMHz = 0;
    EXPECT_THAT(refused(damaged, 1'000'000, 72'000'000), HasSubstr("must not be 0"));
    damaged = good;
    damaged.count = 0;
    EXPECT_THAT(refused(damaged, 1'000'000, 72'000'000), HasSubstr("must not be 0"));
    // Three ticks 2^63 cycles apart: in 64-bit arithmetic the last lands on the first again, which is what the
    // event's times say of a single tick. Without the overflow check this would pass as three ticks.
    damaged = {1, 2000, 2'000'000, std::uint64_t{1} << 63, 3};
    EXPECT_THAT(refused(damaged, 1'000'000, 1'000'000), HasSubstr("does not fit in 64 bits"));
    damaged = {1, 2000, ~std::uint64_t{0} / 999, 1, 2}; // the cycles fit, the nanoseconds do not
    EXPECT_THAT(refused(damaged, 0, 0), HasSubstr("does not fit in 64 bits"));
}

} // namespace
} // namespace vcm::tracer

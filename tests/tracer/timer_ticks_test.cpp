// EventSink::timerTicks: a sink that does not take the ticks together gets each as timerTick() at the virtual time
// the machine would have stamped it with (cycles * 1000 / MHz, rounded down, even when a period is not a whole
// number of ns); a ForwardingSink passes them on as one event, named as in the trace.
#include "vcm/tracer/forwarding_sink.h"

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

} // namespace
} // namespace vcm::tracer

// vcm:timer_ticks: the ticks one core owed at once (Machine::countTicks), as one event. The writer (EventSink's
// default expansion, LttngEventSink), ingest and replay all derive each tick's time here, and a reader checks an
// event with checkTimerTicks before it makes one row per tick: a damaged count must not become millions of rows.
#pragma once

#include <cstdint>
#include <stdexcept>

namespace vcm::tracer {

struct TimerTicks {
    std::uint32_t core = 0;
    std::uint32_t coreMHz = 0;
    std::uint64_t firstCycles = 0;
    std::uint64_t periodCycles = 0;
    std::uint64_t count = 0;

    // Tick k (0 to count - 1): at the core's cycle count, and in virtual ns as the machine stamps every event
    // (cycles * 1000 / MHz, rounded down, even when a period is not a whole number of ns).
    std::uint64_t cycles(std::uint64_t k) const { return firstCycles + k * periodCycles; }
    std::uint64_t nanoseconds(std::uint64_t k) const { return cycles(k) * 1000 / coreMHz; }
};

// A timer_ticks event whose fields do not describe its own vtime_ns and last_vtime_ns (a damaged trace).
class TimerTicksError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws TimerTicksError saying what does not fit unless `ticks` has a core_mhz, a period and at least one tick,
// its first tick is at vtimeNs and its last at lastVtimeNs, with no arithmetic overflowing on the way (so a
// damaged count cannot wrap around to a time that fits).
void checkTimerTicks(const TimerTicks& ticks, std::uint64_t vtimeNs, std::uint64_t lastVtimeNs);

} // namespace vcm::tracer

#include "vcm/tracer/timer_ticks.h"

#include <fmt/core.h>

namespace vcm::tracer {

void checkTimerTicks(const TimerTicks& ticks, std::uint64_t vtimeNs, std::uint64_t lastVtimeNs)
{
    const auto what = [&] {
        return fmt::format("{} ticks every {} cycles from cycle {} at {} MHz", ticks.count, ticks.periodCycles,
                           ticks.firstCycles, ticks.coreMHz);
    };
    if (ticks.coreMHz == 0 || ticks.count == 0 || ticks.periodCycles == 0)
        throw TimerTicksError(what() + ": core_mhz, period_cycles and count must not be 0");
    std::uint64_t span = 0;
    std::uint64_t last = 0;
    std::uint64_t lastScaled = 0;
    std::uint64_t firstScaled = 0;
    if (__builtin_mul_overflow(ticks.count - 1, ticks.periodCycles, &span) ||
        __builtin_add_overflow(ticks.firstCycles, span, &last) || __builtin_mul_overflow(last, 1000u, &lastScaled) ||
        __builtin_mul_overflow(ticks.firstCycles, 1000u, &firstScaled))
        throw TimerTicksError(what() + ": the last tick's time does not fit in 64 bits");
    if (firstScaled / ticks.coreMHz != vtimeNs || lastScaled / ticks.coreMHz != lastVtimeNs)
        throw TimerTicksError(fmt::format("{}: run from {} ns to {} ns, not from vtime_ns {} to last_vtime_ns {}",
                                          what(), firstScaled / ticks.coreMHz, lastScaled / ticks.coreMHz, vtimeNs,
                                          lastVtimeNs));
}

} // namespace vcm::tracer

// The units a duration may be written with on vcm's command lines ("647us", "2ms", "1s"), as factors to the
// option's own unit: every time in events and databases is in nanoseconds, wall-clock waits are in
// milliseconds. The command-line libraries hand these to CLI11's AsNumberWithUnit, so any option that takes a
// time accepts a unit, and a bare number keeps meaning what the option's name says.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vcm::tracer {

inline std::map<std::string, std::uint64_t> nanosecondUnits()
{
    return {{"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}};
}

inline std::map<std::string, std::uint64_t> millisecondUnits()
{
    return {{"ms", 1}, {"s", 1'000}};
}

} // namespace vcm::tracer

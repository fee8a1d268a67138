// How sure a failure rate is: the Wilson score interval (Wilson 1927) of k failures in n runs. Unlike the
// normal approximation it stays inside [0, 1] and gives a useful upper bound when no run failed -- "0 of 2000,
// at most 0.19 %" is what a hunt under a correct policy reports.
#pragma once

#include <cstdint>

namespace vcm::hunt {

struct RateInterval {
    double rate = 0;  // k / n
    double lower = 0;
    double upper = 0;
};

// z = 1.959964: the two-sided 95 % interval. n = 0 gives [0, 1].
RateInterval wilsonInterval(std::uint64_t failures, std::uint64_t runs, double z = 1.959963984540054);

} // namespace vcm::hunt

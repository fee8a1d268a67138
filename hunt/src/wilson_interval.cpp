#include "vcm/hunt/wilson_interval.h"

#include <algorithm>
#include <cmath>

namespace vcm::hunt {

RateInterval wilsonInterval(std::uint64_t failures, std::uint64_t runs, double z)
{
    if (runs == 0)
        return {0, 0, 1};
    const double n = static_cast<double>(runs);
    const double p = static_cast<double>(failures) / n;
    const double z2 = z * z;
    const double denominator = 1 + z2 / n;
    const double centre = (p + z2 / (2 * n)) / denominator;
    const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
    // At k = 0 and k = n the exact bounds are 0 and 1; rounding must not move them off.
    return {p, failures == 0 ? 0.0 : std::max(0.0, centre - half), failures == runs ? 1.0 : std::min(1.0, centre + half)};
}

} // namespace vcm::hunt

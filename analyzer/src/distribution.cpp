#include "distribution.h"

#include <algorithm>

namespace vcm::analyzer {
namespace {

// The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `atLeast` (and at least 1).
std::int64_t niceWidth(std::int64_t atLeast)
{
    for (std::int64_t decade = 1;; decade *= 10)
        for (std::int64_t step : {1, 2, 5})
            if (step * decade >= atLeast)
                return step * decade;
}

} // namespace

std::int64_t percentile(const std::vector<std::int64_t>& sorted, int p)
{
    const std::size_t n = sorted.size();
    const std::size_t rank = (n * static_cast<std::size_t>(p) + 99) / 100; // ceil(p/100 * n), exactly
    return sorted[std::clamp<std::size_t>(rank, 1, n) - 1];
}

std::vector<HistogramBucket> linearHistogram(const std::vector<std::int64_t>& sorted, int maxBuckets)
{
    const std::int64_t max = std::max<std::int64_t>(sorted.back(), 0);
    const std::int64_t buckets = std::max<std::int64_t>(maxBuckets, 1);
    const std::int64_t width = niceWidth((max + buckets - 1) / buckets);
    const std::int64_t count = std::max<std::int64_t>((max + width - 1) / width, 1);
    std::vector<HistogramBucket> histogram(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < histogram.size(); ++i) {
        histogram[i].low = static_cast<std::int64_t>(i) * width;
        histogram[i].high = histogram[i].low + width;
    }
    for (std::int64_t value : sorted) {
        const std::int64_t index = std::clamp<std::int64_t>(value / width, 0, count - 1);
        ++histogram[static_cast<std::size_t>(index)].count;
    }
    return histogram;
}

} // namespace vcm::analyzer

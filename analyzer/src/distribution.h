// Order statistics and a linear histogram over a sorted sample (flush segment lengths in the report).
#pragma once

#include <cstdint>
#include <vector>

namespace vcm::analyzer {

// Nearest rank: the smallest value with at least p percent of the sample at or below it (the value at
// 1-based rank ceil(p/100 * n)). sorted must be ascending and non-empty; 0 < p <= 100.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, int p);

struct HistogramBucket {
    std::int64_t low = 0;  // inclusive
    std::int64_t high = 0; // exclusive, except the last bucket, which includes the maximum
    std::uint64_t count = 0;
};

// Buckets of equal width from 0 up to the maximum: the width is the smallest 1, 2 or 5 times a power of
// ten that covers the maximum in at most maxBuckets buckets. sorted must be ascending, non-negative and
// non-empty. Empty buckets are kept (a gap is information).
std::vector<HistogramBucket> linearHistogram(const std::vector<std::int64_t>& sorted, int maxBuckets);

} // namespace vcm::analyzer

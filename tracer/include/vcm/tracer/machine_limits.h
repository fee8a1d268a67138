// The limits of the machine a run may describe: what a scenario may ask for (hyp/src/scenario/scenario.cpp
// checks every key against them) and therefore what a trace's run_configuration may claim (the analyzer
// refuses one outside them rather than build a database for a billion cores). One place, so the two agree.
#pragma once

#include "vcm/tracer/event_sink.h"

#include <cstdint>
#include <optional>
#include <string>

namespace vcm::tracer {

struct MachineLimits {
    static constexpr std::uint64_t kMaxClusters = 64;
    static constexpr std::uint64_t kMaxCoresPerCluster = 64;
    static constexpr std::uint64_t kMinLineBytes = 16;
    static constexpr std::uint64_t kMaxLineBytes = 2048;
    static constexpr std::uint64_t kMaxCacheKib = std::uint64_t{1} << 20; // 1 GiB per cache
    static constexpr std::uint64_t kMaxWays = 1024;
    static constexpr std::uint64_t kMaxCoreMHz = 100'000;
};

// The first field of `c` outside the limits, said as "clusters = 1073741826: must be 1 to 64", or nothing.
inline std::optional<std::string> runConfigurationProblem(const RunConfiguration& c)
{
    using L = MachineLimits;
    const auto outside = [](const char* field, std::uint64_t value, std::uint64_t min,
                            std::uint64_t max) -> std::optional<std::string> {
        if (value >= min && value <= max)
            return std::nullopt;
        return std::string(field) + " = " + std::to_string(value) + ": must be " + std::to_string(min) + " to " +
               std::to_string(max);
    };
    const std::uint64_t maxCacheBytes = L::kMaxCacheKib << 10;
    for (const auto& problem :
         {outside("clusters", c.clusters, 1, L::kMaxClusters),
          outside("cores_per_cluster", c.coresPerCluster, 1, L::kMaxCoresPerCluster),
          outside("line_bytes", c.lineBytes, L::kMinLineBytes, L::kMaxLineBytes),
          outside("l1_bytes", c.l1Bytes, 0, maxCacheBytes), outside("l1_ways", c.l1Ways, 1, L::kMaxWays),
          outside("l2_bytes", c.l2Bytes, 0, maxCacheBytes), outside("l2_ways", c.l2Ways, 1, L::kMaxWays),
          outside("system_cache_bytes", c.systemCacheBytes, 0, maxCacheBytes),
          outside("system_cache_ways", c.systemCacheWays, 1, L::kMaxWays),
          outside("core_mhz", c.coreMHz, 1, L::kMaxCoreMHz)})
        if (problem)
            return problem;
    return std::nullopt;
}

} // namespace vcm::tracer

#include "vcm/hunt/seed_shard.h"

#include <fmt/core.h>

#include <charconv>
#include <limits>

namespace vcm::hunt {
namespace {

bool parseNumber(std::string_view text, std::uint32_t& value)
{
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

} // namespace

SeedShard parseSeedShard(const std::string& spec)
{
    const auto slash = spec.find('/');
    SeedShard shard;
    if (slash == std::string::npos || !parseNumber(std::string_view(spec).substr(0, slash), shard.index) ||
        !parseNumber(std::string_view(spec).substr(slash + 1), shard.count))
        throw HuntError(fmt::format("--shard {}: expected K/N, the K-th of N slices counted from 0 (e.g. 0/4 .. 3/4)",
                                    spec));
    if (shard.count == 0)
        throw HuntError(fmt::format("--shard {}: N must be at least 1", spec));
    if (shard.index >= shard.count)
        throw HuntError(fmt::format("--shard {}: K counts from 0, so it must be below N (0/{} .. {}/{})", spec,
                                    shard.count, shard.count - 1, shard.count));
    return shard;
}

std::vector<std::uint64_t> shardSeeds(std::uint64_t first, std::uint64_t count, SeedShard shard)
{
    if (count > 0 && first > std::numeric_limits<std::uint64_t>::max() - (count - 1))
        throw HuntError(fmt::format("seeds {} .. {} + {}: the last seed does not fit in 64 bits", first, first, count - 1));
    std::vector<std::uint64_t> seeds;
    for (std::uint64_t i = shard.index; i < count; i += shard.count)
        seeds.push_back(first + i);
    return seeds;
}

} // namespace vcm::hunt

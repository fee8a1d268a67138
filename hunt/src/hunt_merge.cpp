#include "vcm/hunt/hunt_merge.h"

#include "vcm/hunt/seed_shard.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>
#include <utility>

namespace vcm::hunt {
namespace {

// The first field in which `other` is a different hunt from `first`, or empty.
std::string difference(const HuntHeader& first, const HuntHeader& other)
{
    if (other.scenarioHash != first.scenarioHash)
        return fmt::format("another scenario ({} {}, not {} {}: the scenario text, its --set overrides or its guest "
                           "programs differ)",
                           other.scenarioName, other.scenarioHash.substr(0, 19), first.scenarioName,
                           first.scenarioHash.substr(0, 19));
    if (other.vcmVersion != first.vcmVersion)
        return fmt::format("another vcm version ({}, not {})", other.vcmVersion, first.vcmVersion);
    if (other.policies != first.policies)
        return fmt::format("other policies ({}, not {})", fmt::join(other.policies, ","), fmt::join(first.policies, ","));
    if (other.firstSeed != first.firstSeed || other.seeds != first.seeds)
        return fmt::format("another seed range ({} seeds from {}, not {} from {})", other.seeds, other.firstSeed,
                           first.seeds, first.firstSeed);
    if (other.shardCount != first.shardCount)
        return fmt::format("another shard count (N = {}, not {})", other.shardCount, first.shardCount);
    return {};
}

} // namespace

HuntData mergeHunts(const std::vector<std::filesystem::path>& files, const MergeOptions& options)
{
    if (files.empty())
        throw HuntError("vcm hunt merge needs the shards' databases");
    HuntData merged;
    std::set<std::uint32_t> shards;
    std::set<std::pair<std::string, std::uint64_t>> seen;
    for (std::size_t i = 0; i < files.size(); ++i) {
        HuntData part = readHuntDatabase(files[i]);
        if (i == 0) {
            merged.header = part.header;
            merged.header.shards.clear();
            merged.header.interrupted = false;
        } else if (const std::string d = difference(merged.header, part.header); !d.empty()) {
            throw HuntError(fmt::format("{}: not a shard of the same hunt as {}: {}", files[i].string(),
                                        files[0].string(), d));
        }
        for (const std::uint32_t shard : part.header.shards)
            if (!shards.insert(shard).second)
                throw HuntError(fmt::format("{}: shard {}/{} is already in an earlier file", files[i].string(), shard,
                                            part.header.shardCount));
        if (part.runs.size() != part.header.plannedRuns())
            throw HuntError(fmt::format("{}: holds {} of its {} runs{}; run that shard again (or finish it) before "
                                        "merging",
                                        files[i].string(), part.runs.size(), part.header.plannedRuns(),
                                        part.header.interrupted ? " (it was interrupted)" : ""));
        for (RunRecord& r : part.runs) {
            if (!seen.emplace(r.policy, r.seed).second)
                throw HuntError(fmt::format("{}: the run of seed {} under {} is already in an earlier file",
                                            files[i].string(), r.seed, r.policy));
            merged.runs.push_back(std::move(r));
        }
    }
    std::vector<std::uint32_t> missing;
    for (std::uint32_t k = 0; k < merged.header.shardCount; ++k)
        if (shards.count(k) == 0)
            missing.push_back(k);
    if (!missing.empty() && !options.allowMissingShards)
        throw HuntError(fmt::format("shard{} {} of {} missing: the merged hunt would cover {} of the {} seeds; give "
                                    "every shard, or --allow-missing for a partial result",
                                    missing.size() == 1 ? "" : "s", fmt::join(missing, ", "), merged.header.shardCount,
                                    merged.header.seeds - [&] {
                                        std::uint64_t lost = 0;
                                        for (const std::uint32_t k : missing)
                                            lost += shardSeeds(merged.header.firstSeed, merged.header.seeds,
                                                               {k, merged.header.shardCount})
                                                        .size();
                                        return lost;
                                    }(),
                                    merged.header.seeds));
    merged.header.shards.assign(shards.begin(), shards.end());
    merged.header.createdBy = "vcm hunt merge";
    // A complete merge is the unsharded hunt: one shard of one, as `vcm hunt` without --shard writes it.
    if (missing.empty()) {
        merged.header.shardCount = 1;
        merged.header.shards = {0};
    }
    sortRuns(merged.runs, merged.header.policies);
    return merged;
}

} // namespace vcm::hunt

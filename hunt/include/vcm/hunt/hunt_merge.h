// vcm hunt merge: the shards of one hunt, run apart (a Slurm array job, a CI matrix), combined into the file a
// single unsharded hunt would have written -- the same rows, host_seconds aside.
#pragma once

#include "vcm/hunt/hunt_database.h"

#include <filesystem>
#include <vector>

namespace vcm::hunt {

struct MergeOptions {
    // Merge even when shards are missing (the result says which runs it lacks); by default that is an error,
    // since a silently partial hunt reports a rate over fewer seeds than asked.
    bool allowMissingShards = false;
};

// Throws HuntError naming the file that does not belong: another scenario (hash), vcm version, policy list,
// seed range or shard count; a shard given twice; a run present twice; missing shards (unless allowed).
HuntData mergeHunts(const std::vector<std::filesystem::path>& files, const MergeOptions& options = {});

} // namespace vcm::hunt

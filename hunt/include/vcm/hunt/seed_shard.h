// The seed space of a hunt and its shards: seeds first .. first + count - 1, cut into N disjoint slices for an
// engine that runs them apart (a Slurm array job, a CI matrix). Slice K holds every N-th seed from first + K,
// so each slice gets a fair share of the space and of any run-time trend along it.
#pragma once

#include "vcm/hunt/hunt_error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vcm::hunt {

struct SeedShard {
    std::uint32_t index = 0; // K, from 0 (as $SLURM_ARRAY_TASK_ID counts)
    std::uint32_t count = 1; // N

    bool whole() const { return count == 1; }
};

// "K/N" with 0 <= K < N. Throws HuntError naming the spec and what was expected.
SeedShard parseSeedShard(const std::string& spec);

// The seeds of `shard`, ascending.
std::vector<std::uint64_t> shardSeeds(std::uint64_t first, std::uint64_t count, SeedShard shard);

} // namespace vcm::hunt

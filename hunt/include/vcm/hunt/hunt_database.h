// A hunt's results as a SQLite file (db/sql/hunt_schema.sql): written atomically, read back for reports and
// merges.
#pragma once

#include "vcm/hunt/run_record.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vcm::hunt {

struct HuntHeader {
    std::string vcmVersion;
    std::string scenarioName;
    std::string scenarioFile;
    std::string scenarioHash;
    std::vector<std::string> overrides;
    std::vector<std::string> policies;
    std::vector<std::string> seedVaries;
    std::uint64_t firstSeed = 1;
    std::uint64_t seeds = 0;               // per policy, over all shards
    std::uint32_t shardCount = 1;
    std::vector<std::uint32_t> shards{0};  // the shard indexes whose runs this file holds
    bool interrupted = false;
    std::string createdBy = "vcm hunt";

    // Every planned run of the shards this file holds: its row count when it is complete.
    std::uint64_t plannedRuns() const;
};

struct HuntData {
    HuntHeader header;
    std::vector<RunRecord> runs; // by policy (in header order), then seed
};

// Writes `data` to `file` atomically (a temporary beside it, renamed over it); the target must be a regular
// file or not exist. Throws db::DatabaseError naming the file.
void writeHuntDatabase(const std::filesystem::path& file, const HuntData& data);
// Throws db::DatabaseError (not a hunt database) or HuntError (a damaged header), naming the file.
HuntData readHuntDatabase(const std::filesystem::path& file);

} // namespace vcm::hunt

#include "vcm/hunt/hunt_database.h"

#include "vcm/db/database_file.h"
#include "vcm/db/hunt_schema.h"
#include "vcm/hunt/seed_shard.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <map>

namespace vcm::hunt {

std::uint64_t HuntHeader::plannedRuns() const
{
    std::uint64_t seedsHeld = 0;
    for (const std::uint32_t shard : shards)
        seedsHeld += shardSeeds(firstSeed, seeds, {shard, shardCount}).size();
    return seedsHeld * policies.size();
}

void writeHuntDatabase(const std::filesystem::path& file, const HuntData& data)
{
    db::DatabaseFile output(file);
    db::Database& database = output.database();
    db::createHuntSchema(database);
    db::Transaction transaction(database);
    const HuntHeader& h = data.header;
    const std::map<std::string, std::string> header = {
        {"format", "vcm-hunt"},
        {"vcm_version", h.vcmVersion},
        {"scenario_name", h.scenarioName},
        {"scenario_file", h.scenarioFile},
        {"scenario_hash", h.scenarioHash},
        {"overrides", nlohmann::json(h.overrides).dump()},
        {"policies", nlohmann::json(h.policies).dump()},
        {"seed_varies", nlohmann::json(h.seedVaries).dump()},
        {"first_seed", std::to_string(h.firstSeed)},
        {"seeds", std::to_string(h.seeds)},
        {"shard_count", std::to_string(h.shardCount)},
        {"shards", nlohmann::json(h.shards).dump()},
        {"complete", data.runs.size() == h.plannedRuns() ? "1" : "0"},
        {"interrupted", h.interrupted ? "1" : "0"},
        {"created_by", h.createdBy},
    };
    db::Statement insertHeader = database.prepare("INSERT INTO hunt(key, value) VALUES (?, ?)");
    for (const auto& [key, value] : header)
        insertHeader.bind(1, key).bind(2, value).run();
    db::Statement insertRun = database.prepare(
        "INSERT INTO hunt_run(policy, seed, verdict, failed, stale_reads, clobbers, stale_windows, migrations, "
        "max_unpreempted_flush_ns, vtime_ns, instructions, host_seconds, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const RunRecord& r : data.runs)
        insertRun.bind(1, r.policy)
            .bind(2, r.seed)
            .bind(3, r.verdict)
            .bind(4, std::int64_t{r.failed() ? 1 : 0})
            .bind(5, r.staleReads)
            .bind(6, r.clobbers)
            .bind(7, r.staleWindows)
            .bind(8, r.migrations)
            .bind(9, r.maxUnpreemptedFlushNs)
            .bind(10, r.vtimeNs)
            .bind(11, r.instructions)
            .bind(12, r.hostSeconds)
            .bind(13, r.detail)
            .run();
    transaction.commit();
    output.commit();
}

namespace {

template <typename T>
T headerJson(const std::map<std::string, std::string>& header, const std::string& key, const std::filesystem::path& file)
{
    const auto it = header.find(key);
    if (it == header.end())
        throw HuntError(fmt::format("{}: the hunt table has no {}: the file is damaged or was not written by vcm hunt",
                                    file.string(), key));
    try {
        return nlohmann::json::parse(it->second).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw HuntError(fmt::format("{}: hunt {} = '{}' is not what vcm hunt writes", file.string(), key, it->second));
    }
}

std::string headerText(const std::map<std::string, std::string>& header, const std::string& key,
                       const std::filesystem::path& file)
{
    const auto it = header.find(key);
    if (it == header.end())
        throw HuntError(fmt::format("{}: the hunt table has no {}: the file is damaged or was not written by vcm hunt",
                                    file.string(), key));
    return it->second;
}

} // namespace

HuntData readHuntDatabase(const std::filesystem::path& file)
{
    db::Database database = db::openHuntDatabase(file);
    std::map<std::string, std::string> header;
    db::Statement rows = database.prepare("SELECT key, value FROM hunt");
    while (rows.step())
        header[rows.columnText(0)] = rows.columnText(1);
    HuntData data;
    HuntHeader& h = data.header;
    if (headerText(header, "format", file) != "vcm-hunt")
        throw HuntError(fmt::format("{}: hunt format '{}' is not vcm-hunt", file.string(), header["format"]));
    h.vcmVersion = headerText(header, "vcm_version", file);
    h.scenarioName = headerText(header, "scenario_name", file);
    h.scenarioFile = headerText(header, "scenario_file", file);
    h.scenarioHash = headerText(header, "scenario_hash", file);
    h.overrides = headerJson<std::vector<std::string>>(header, "overrides", file);
    h.policies = headerJson<std::vector<std::string>>(header, "policies", file);
    h.seedVaries = headerJson<std::vector<std::string>>(header, "seed_varies", file);
    h.firstSeed = headerJson<std::uint64_t>(header, "first_seed", file);
    h.seeds = headerJson<std::uint64_t>(header, "seeds", file);
    h.shardCount = headerJson<std::uint32_t>(header, "shard_count", file);
    h.shards = headerJson<std::vector<std::uint32_t>>(header, "shards", file);
    h.interrupted = headerText(header, "interrupted", file) == "1";
    h.createdBy = headerText(header, "created_by", file);
    if (h.shardCount == 0)
        throw HuntError(fmt::format("{}: hunt shard_count is 0", file.string()));
    for (const std::uint32_t shard : h.shards)
        if (shard >= h.shardCount)
            throw HuntError(fmt::format("{}: hunt holds shard {} of {}, which does not exist", file.string(), shard,
                                        h.shardCount));
    db::Statement runs = database.prepare(
        "SELECT policy, seed, verdict, stale_reads, clobbers, stale_windows, migrations, max_unpreempted_flush_ns, "
        "vtime_ns, instructions, host_seconds, detail FROM hunt_run");
    while (runs.step()) {
        RunRecord r;
        r.policy = runs.columnText(0);
        r.seed = static_cast<std::uint64_t>(runs.columnInt(1));
        r.verdict = runs.columnText(2);
        r.staleReads = static_cast<std::uint64_t>(runs.columnInt(3));
        r.clobbers = static_cast<std::uint64_t>(runs.columnInt(4));
        r.staleWindows = static_cast<std::uint64_t>(runs.columnInt(5));
        r.migrations = static_cast<std::uint64_t>(runs.columnInt(6));
        r.maxUnpreemptedFlushNs = runs.columnReal(7);
        r.vtimeNs = runs.columnReal(8);
        r.instructions = static_cast<std::uint64_t>(runs.columnInt(9));
        r.hostSeconds = runs.columnReal(10);
        r.detail = runs.columnText(11);
        data.runs.push_back(std::move(r));
    }
    const auto policyIndex = [&h](const std::string& p) {
        return std::find(h.policies.begin(), h.policies.end(), p) - h.policies.begin();
    };
    for (const RunRecord& r : data.runs)
        if (static_cast<std::size_t>(policyIndex(r.policy)) == h.policies.size())
            throw HuntError(fmt::format("{}: a run under {} (seed {}), a policy the hunt does not list", file.string(),
                                        r.policy, r.seed));
    sortRuns(data.runs, h.policies);
    return data;
}

} // namespace vcm::hunt

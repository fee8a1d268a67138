// The arithmetic of a hunt: Wilson intervals, the slicing of the seed space into shards, how a run's report
// becomes a verdict, and the per-policy summary.
#include "vcm/hunt/hunt_summary.h"
#include "vcm/hunt/run_record.h"
#include "vcm/hunt/seed_shard.h"
#include "vcm/hunt/wilson_interval.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace vcm::hunt {
namespace {

using ::testing::HasSubstr;

TEST(WilsonInterval, MatchesTheScoreIntervalFormula)
{
    // Reference values from the closed form (Wilson 1927, z = 1.96), computed independently:
    // 5 of 10 -> [0.2366, 0.7634]; 110 of 2000 -> [0.04583, 0.06587].
    const RateInterval half = wilsonInterval(5, 10);
    EXPECT_DOUBLE_EQ(half.rate, 0.5);
    EXPECT_NEAR(half.lower, 0.2366, 1e-4);
    EXPECT_NEAR(half.upper, 0.7634, 1e-4);
    const RateInterval rare = wilsonInterval(110, 2000);
    EXPECT_NEAR(rare.lower, 0.04584, 1e-5);
    EXPECT_NEAR(rare.upper, 0.06587, 1e-5);
}

TEST(WilsonInterval, NoFailureStillBoundsTheRate)
{
    // "0 of 2000" is not "never": at 95 % the rate is below 0.192 % (z^2 / (n + z^2)).
    const RateInterval none = wilsonInterval(0, 2000);
    EXPECT_EQ(none.lower, 0.0);
    EXPECT_NEAR(none.upper, 0.001917, 1e-6);
    const RateInterval all = wilsonInterval(10, 10);
    EXPECT_EQ(all.upper, 1.0);
    EXPECT_NEAR(all.lower, 0.7225, 1e-4);
    const RateInterval nothing = wilsonInterval(0, 0);
    EXPECT_EQ(nothing.lower, 0.0);
    EXPECT_EQ(nothing.upper, 1.0) << "no runs: nothing is known";
}

TEST(SeedShard, ParsesKOfNAndRefusesWhatCannotBeASlice)
{
    const SeedShard s = parseSeedShard("3/4");
    EXPECT_EQ(s.index, 3u);
    EXPECT_EQ(s.count, 4u);
    const auto error = [](const std::string& spec) {
        try {
            parseSeedShard(spec);
        } catch (const HuntError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_THAT(error("5/4"), HasSubstr("K counts from 0, so it must be below N (0/4 .. 3/4)"));
    EXPECT_THAT(error("4/4"), HasSubstr("below N"));
    EXPECT_THAT(error("0/0"), HasSubstr("N must be at least 1"));
    EXPECT_THAT(error("1"), HasSubstr("expected K/N"));
    EXPECT_THAT(error("-1/4"), HasSubstr("expected K/N"));
    EXPECT_THAT(error("1/4x"), HasSubstr("expected K/N"));
}

TEST(SeedShard, SlicesAreDisjointAndCoverTheSeeds)
{
    std::set<std::uint64_t> covered;
    std::size_t total = 0;
    for (std::uint32_t k = 0; k < 4; ++k) {
        const std::vector<std::uint64_t> seeds = shardSeeds(100, 10, {k, 4});
        total += seeds.size();
        covered.insert(seeds.begin(), seeds.end());
        EXPECT_GE(seeds.size(), 2u) << "every slice gets its share";
    }
    EXPECT_EQ(total, 10u) << "no seed in two slices";
    EXPECT_EQ(covered, (std::set<std::uint64_t>{100, 101, 102, 103, 104, 105, 106, 107, 108, 109}));
    EXPECT_EQ(shardSeeds(1, 3, {5, 8}), std::vector<std::uint64_t>{}) << "more slices than seeds: some are empty";
    EXPECT_THROW(shardSeeds(~std::uint64_t{0}, 2, {}), HuntError);
}

hyp::scenario::RunReport reportWith(std::initializer_list<const char*> verdicts, std::uint64_t staleReads = 0)
{
    hyp::scenario::RunReport report;
    report.policy = "native";
    report.seed = 9;
    report.staleReads = staleReads;
    int n = 0;
    for (const char* v : verdicts) {
        hyp::scenario::GuestOutcome g;
        g.name = "d1v" + std::to_string(n++);
        g.verdict = v;
        report.guests.push_back(g);
    }
    return report;
}

TEST(RunRecord, TheVerdictIsTheWorstOfTheGuestsAndTheOracle)
{
    EXPECT_EQ(recordOf(reportWith({"PASS", "PASS"}), 0).verdict, "PASS");
    EXPECT_EQ(recordOf(reportWith({"PASS", "FAIL"}), 0).verdict, "FAIL");
    EXPECT_EQ(recordOf(reportWith({"FAIL", "TIMEOUT"}), 0).verdict, "TIMEOUT");
    EXPECT_EQ(recordOf(reportWith({"TIMEOUT", "FAULT", "FAIL"}), 0).verdict, "FAULT");
    const RunRecord silent = recordOf(reportWith({"PASS"}, 12), 0);
    EXPECT_EQ(silent.verdict, "STALE") << "the guest passed but the oracle saw data lost";
    EXPECT_TRUE(silent.failed());
    EXPECT_EQ(recordOf(reportWith({"PASS", "FAIL"}), 0).detail, "d1v0 PASS, d1v1 FAIL");
    RunRecord crash;
    crash.verdict = "CRASH";
    EXPECT_FALSE(crash.failed()) << "a crashed worker is not a finding";
    EXPECT_TRUE(crash.unfinished());
}

TEST(RunRecord, SurvivesTheTripThroughAWorkersPipe)
{
    RunRecord r = recordOf(reportWith({"FAIL"}, 3584), 0.25);
    r.maxUnpreemptedFlushNs = 1234.5;
    r.vtimeNs = 956007;
    const RunRecord back = runRecordFromJson(toJson(r));
    EXPECT_EQ(back.policy, r.policy);
    EXPECT_EQ(back.seed, r.seed);
    EXPECT_EQ(back.verdict, "FAIL");
    EXPECT_EQ(back.staleReads, 3584u);
    EXPECT_EQ(back.maxUnpreemptedFlushNs, 1234.5);
    EXPECT_EQ(back.vtimeNs, 956007.0);
    EXPECT_EQ(back.hostSeconds, 0.25);
    EXPECT_THROW(runRecordFromJson("{\"policy\": 1}"), HuntError);
}

TEST(HuntSummary, CountsFinishedRunsAndListsTheRestWithTheirSeeds)
{
    HuntData data;
    data.header.policies = {"native", "xen"};
    data.header.seeds = 4;
    const auto run = [](const char* policy, std::uint64_t seed, const char* verdict) {
        RunRecord r;
        r.policy = policy;
        r.seed = seed;
        r.verdict = verdict;
        return r;
    };
    data.runs = {run("native", 1, "PASS"), run("native", 2, "FAIL"),  run("native", 3, "CRASH"),
                 run("native", 4, "STALE"), run("xen", 1, "PASS"),     run("xen", 2, "PASS"),
                 run("xen", 3, "PASS"),     run("xen", 4, "HUNG")};
    const std::vector<PolicySummary> s = summarize(data);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].runs, 3u) << "the crashed run is not in the rate";
    EXPECT_EQ(s[0].failures, 2u);
    EXPECT_EQ(s[0].firstFailingSeeds, (std::vector<std::uint64_t>{2, 4}));
    ASSERT_EQ(s[0].unfinished.size(), 1u);
    EXPECT_EQ(s[0].unfinished[0]->seed, 3u);
    EXPECT_EQ(s[1].failures, 0u);
    const std::string text = renderHuntReport(data, HuntReportFormat::Text);
    EXPECT_THAT(text, HasSubstr("native seed 3: CRASH"));
    EXPECT_THAT(text, HasSubstr("xen seed 4: HUNG"));
    EXPECT_THAT(text, HasSubstr("the seed varies nothing in this scenario"));
    const std::string csv = renderHuntReport(data, HuntReportFormat::Csv);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 9) << "a header and a line per run";
}

} // namespace
} // namespace vcm::hunt

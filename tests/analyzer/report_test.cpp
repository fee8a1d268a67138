// vcm report and vcm export --perfetto on a small synthetic run built through the real ingest path
// (TraceDatabaseBuilder, detectors): every figure asserted here was worked out by hand from the events below.
#include "vcm/analyzer/detectors.h"
#include "vcm/analyzer/perfetto_export.h"
#include "vcm/analyzer/report.h"
#include "vcm/analyzer/trace_database_builder.h"
#include "vcm/db/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <sstream>
#include <string>

namespace vcm::analyzer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using tracer::VcpuStopReason;

constexpr std::uint64_t kEnd = 10'000;

// The synthetic run, one VM "vm0" with two vCPUs on a 2-core machine, ending at 10 us:
//   vm0v0 on core 0: [0,1000) slice_end, [1500,3000) hypervisor, [3000,3100) preempted, [4100,6000) exit.
//     Guest time 4500 ns, 4 slices, 350 instructions; waits 500 (after slice_end) and 1000 (after preempted).
//   vm0v1 on core 1: [0,2000) yield, [2200,5000) slice_end, [5000,end) still running (open).
//     Guest time 2000 + 2800 + 5000 = 9800 ns, 3 slices, 700 instructions; waits 200 and 0.
//   Flush 0 of vm0, requested by vm0v0 at 2990: segments of 100, 200, 300, 400 and 1000 ns on core 0
//     (10 + 20 + 30 + 40 + 50 = 150 pages, the longest unpreempted delay 700 ns), finished at 6000.
//     Segment lengths: p50 300 ns, p95 1000 ns, max 1000 ns; histogram width 50 ns, 20 buckets.
//   Traps: vm0v0 DC CISW at 1200, 1300, 2900 (caches on since 400); vm0v1 a stage-2 fault at 50 and a
//     SCTLR_EL1 write at 2500.
void emitRun(TraceDatabaseBuilder& b, bool loseData)
{
    const auto at = [&b](std::uint64_t t) -> TraceDatabaseBuilder& {
        b.beginEvent(t);
        return b;
    };
    tracer::RunConfiguration c;
    c.scenario = "synthetic";
    c.policy = "xen";
    c.vcmVersion = "9.9.9";
    c.seed = 7;
    c.clusters = 1;
    c.coresPerCluster = 2;
    c.coreMHz = 1000;
    b.beginEvent(std::nullopt);
    b.runConfiguration(c);
    b.beginEvent(std::nullopt);
    b.agent(0, tracer::AgentRole::Hypervisor, "hyp@core0", 0);
    b.beginEvent(std::nullopt);
    b.agent(1, tracer::AgentRole::Hypervisor, "hyp@core1", 1);
    b.beginEvent(std::nullopt);
    b.agent(2, tracer::AgentRole::Vcpu, "vm0v0", 0);
    b.beginEvent(std::nullopt);
    b.agent(3, tracer::AgentRole::Vcpu, "vm0v1", 1);
    b.beginEvent(std::nullopt);
    b.vcpuCreate(0, 0, 2, 0, "vm0", "vm0v0");
    b.beginEvent(std::nullopt);
    b.vcpuCreate(0, 1, 3, 1, "vm0", "vm0v1");

    at(0).vcpuRun(0, 0, 0, 0);
    at(0).vcpuRun(0, 0, 1, 1);
    at(50).trap(50, 0, 1, 1, tracer::TrapKind::Stage2Fault, 0, 0x40000000, 0, 0);
    at(400).sctlrChange(400, 0, 0, 0x30d00800, 0x30d0180d);
    at(1000).vcpuStop(1000, 0, 0, 0, VcpuStopReason::SliceEnd, 100);
    at(1100).marker(1100, 0, 0, "caches-on");
    at(1200).trap(1200, 0, 0, 0, tracer::TrapKind::SetWay, 2, 0x2, 0, 0);
    at(1300).trap(1300, 0, 0, 0, tracer::TrapKind::SetWay, 2, 0x4, 0, 0);
    at(1500).vcpuRun(1500, 0, 0, 0);
    at(2000).vcpuStop(2000, 0, 1, 1, VcpuStopReason::Yield, 300);
    if (loseData)
        b.dataLoss("events", 12, std::nullopt, std::nullopt);
    at(2200).vcpuRun(2200, 0, 1, 1);
    at(2500).trap(2500, 0, 1, 1, tracer::TrapKind::VmRegister, 0, 0, 0x30d00800, 0x30d0180d);
    at(2900).trap(2900, 0, 0, 0, tracer::TrapKind::SetWay, 2, 0x6, 0, 0);
    at(2990).flushRequest(2990, 0, 0, 0, tracer::FlushReason::SetWay);
    at(3000).vcpuStop(3000, 0, 0, 0, VcpuStopReason::Hypervisor, 50);
    at(3000).vcpuRun(3000, 0, 0, 0);
    at(3000).flushSegment(3000, 3100, 0, 0, 0, 10, 0, false, 0x40010, 50);
    at(3100).vcpuStop(3100, 0, 0, 0, VcpuStopReason::Preempted, 0);
    at(4100).vcpuRun(4100, 0, 0, 0);
    at(4100).flushSegment(4100, 4300, 0, 0, 0, 20, 0, false, 0x40020, 0);
    at(4300).flushSegment(4300, 4600, 0, 0, 0, 30, 0, false, 0x40030, 0);
    at(4600).flushSegment(4600, 5000, 0, 0, 0, 40, 1, false, 0x40040, 0);
    at(5000).vcpuStop(5000, 0, 1, 1, VcpuStopReason::SliceEnd, 400);
    at(5000).vcpuRun(5000, 0, 1, 1);
    at(5000).flushSegment(5000, 6000, 0, 0, 0, 50, 0, true, 0x41000, 700);
    at(5500).console(5500, 0, 0, "<script>alert(1)</script> & done\n");
    at(5600).staleRead({.vtimeNs = 5600, .agent = 2, .core = 0, .address = 0x80005000, .staleWords = 1,
                        .versionReturned = 3, .latestVersion = 5, .latestWriter = 2, .latestWriteNs = 5200,
                        .latestHeldIn = tracer::ValueSourceKind::L2});
    at(6000).vcpuStop(6000, 0, 0, 0, VcpuStopReason::Exit, 200);
    at(kEnd).runEnd(kEnd, 1234);
}

class ReportTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_path = std::filesystem::temp_directory_path() /
                 ("vcm_report_test_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
        std::filesystem::remove(m_path);
    }
    void TearDown() override { std::filesystem::remove(m_path); }

    // Builds the database through the ingest path, then opens it as vcm report does.
    db::Database build(bool loseData = false)
    {
        {
            db::Database database(m_path, db::Database::Mode::Create);
            db::createSchema(database);
            TraceDatabaseBuilder builder(database);
            emitRun(builder, loseData);
            builder.finish();
            db::createIndexes(database);
            runDetectors(database, {});
        }
        return db::openTraceDatabase(m_path);
    }

    std::filesystem::path m_path;
};

std::size_t occurrences(const std::string& text, const std::string& what)
{
    std::size_t count = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
        ++count;
    return count;
}

TEST_F(ReportTest, MarkdownTablesCarryTheFiguresWorkedOutByHand)
{
    db::Database database = build();
    const std::string md = renderReport(database, ReportFormat::Markdown);

    EXPECT_THAT(md, HasSubstr("# vcm report: synthetic under xen"));
    EXPECT_THAT(md, HasSubstr("| **seed** | 7 |"));
    EXPECT_THAT(md, HasSubstr("| **vcm version** | 9.9.9 |"));
    EXPECT_THAT(md, HasSubstr("| **virtual end time** | 10.0 us (10000 ns) |"));
    EXPECT_THAT(md, HasSubstr("| **instructions** | 1234 |"));
    EXPECT_THAT(md, HasSubstr("| **complete** | yes |"));
    EXPECT_THAT(md, HasSubstr("| **data loss** | none |"));
    EXPECT_THAT(md, Not(HasSubstr("THE TRACE LOST DATA")));

    // Traps: by kind, most frequent first; DC CISW came after the caches went on at 400 ns.
    EXPECT_THAT(md, HasSubstr("5 traps."));
    EXPECT_THAT(md, HasSubstr("| setway | 3 | 3 | 0.001200 ms | 0.002900 ms |"));
    EXPECT_THAT(md, HasSubstr("| DC CISW | setway | 3 | 3 | 0.001200 ms | 0.002900 ms |"));
    EXPECT_THAT(md, HasSubstr("| stage-2 fault | stage2\\_fault | 1 | 0 | 0.000050 ms | 0.000050 ms |"));
    EXPECT_THAT(md, HasSubstr("| SCTLR\\_EL1 | vm\\_register | 1 | 0 | 0.002500 ms | 0.002500 ms |"));

    // Flushes: segment statistics from flush_segment.dur = 100, 200, 300, 400, 1000.
    EXPECT_THAT(md, HasSubstr("| **flushes** | 1 (1 finished) |"));
    EXPECT_THAT(md, HasSubstr("| **segments** | 5 |"));
    EXPECT_THAT(md, HasSubstr("| **pages** | 150 |"));
    EXPECT_THAT(md, HasSubstr("| **time in segments** | 2.0 us |"));
    EXPECT_THAT(md, HasSubstr("| **segment length** | p50 300 ns, p95 1.0 us, max 1.0 us |"));
    EXPECT_THAT(md, HasSubstr("| **longest unpreempted delay** | 700 ns |"));
    EXPECT_THAT(md, HasSubstr("| vm0 | 0 | vm0v0 | setway | 0.002990 ms | 3.0 us | 5 | 150 | 1.0 us | 700 ns | yes |"));

    // vCPUs: guest time, flush work in it, slices, instructions, migrations, traps, worst wait and its start.
    EXPECT_THAT(md, HasSubstr("| vm0v0 | vm0 | 4.5 us | 2.0 us | 4 | 350 | 0 | 3 | 1.0 us | 0.003100 ms |"));
    EXPECT_THAT(md, HasSubstr("| vm0v1 | vm0 | 9.8 us | 0 ns | 3 | 700 | 0 | 2 | 200 ns | 0.002000 ms |"));

    // Cores: busy time, flush time and utilisation of the 10 us run.
    EXPECT_THAT(md, HasSubstr("| 0 | 0 | 4 | 4.5 us | 2.0 us | 45.0% |"));
    EXPECT_THAT(md, HasSubstr("| 1 | 0 | 3 | 9.8 us | 0 ns | 98.0% |"));

    // Findings: the stale read is an error, listed first.
    const auto staleReads = database.scalar("SELECT count(*) FROM finding WHERE kind = 'stale_read'");
    ASSERT_EQ(staleReads, 1);
    EXPECT_THAT(md, HasSubstr("| error | stale\\_read | 1 | 0 |"));
    EXPECT_THAT(md, HasSubstr(std::to_string(database.scalar("SELECT count(*) FROM finding")) + " finding"));
    const std::size_t firstError = md.find("| error | stale\\_read | 0.005600 ms |");
    ASSERT_NE(firstError, std::string::npos);
    EXPECT_LT(firstError, md.find("| warning |", md.find("| severity | kind | at |")));
}

TEST_F(ReportTest, TextReportHasTheHeadlineFiguresAndIsDeterministic)
{
    db::Database database = build();
    const std::string text = renderReport(database, ReportFormat::Text);
    EXPECT_THAT(text, HasSubstr("vcm report: synthetic under xen\n"));
    EXPECT_THAT(text, HasSubstr("p50 300 ns, p95 1.0 us, max 1.0 us"));
    EXPECT_THAT(text, HasSubstr("\ndata loss         none\n"));
    EXPECT_THAT(text, HasSubstr("\nmachine           1 cluster of 2 cores, 1000 MHz\n"));
    EXPECT_THAT(text, HasSubstr("\ncoherence oracle  1 stale read (1 word), 0 clobbers, 0 stale-data windows"));
    // The histogram: the 100 ns segment in bucket 100-150 ns, the 1000 ns one in the last, 950-1000 ns.
    EXPECT_THAT(text, HasSubstr("100 ns - 150 ns"));
    EXPECT_THAT(text, HasSubstr("950 ns - 1.0 us"));
    EXPECT_EQ(text, renderReport(database, ReportFormat::Text));
    EXPECT_EQ(renderReport(database, ReportFormat::Html), renderReport(database, ReportFormat::Html));
}

TEST_F(ReportTest, LostDataIsSaidLoudly)
{
    db::Database database = build(true);
    const std::string text = renderReport(database, ReportFormat::Text);
    // A banner before everything else, and the header field.
    EXPECT_EQ(text.find("!!!"), text.find("\n\n") + 2);
    EXPECT_THAT(text, HasSubstr("!!! THE TRACE LOST DATA: 12 events discarded, 0 packets lost, in 1 gap"));
    EXPECT_THAT(text, HasSubstr("\ndata loss         YES: 12 events discarded, 0 packets lost, in 1 gap (the first "
                                "after 0.002000 ms)\n"));
    // Every finding is marked uncertain, and the loss itself is a finding.
    EXPECT_THAT(text, HasSubstr("error (uncertain)    data_loss"));
    const std::string md = renderReport(database, ReportFormat::Markdown);
    EXPECT_THAT(md, HasSubstr("> **THE TRACE LOST DATA: 12 events discarded"));
    EXPECT_THAT(renderReport(database, ReportFormat::Html), HasSubstr("<p class=\"alert\">THE TRACE LOST DATA"));
}

TEST_F(ReportTest, HtmlIsSelfContainedWithChartsAndEscapesGuestText)
{
    db::Database database = build();
    const std::string html = renderReport(database, ReportFormat::Html);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_THAT(html, HasSubstr("</html>\n"));
    // Two inline charts: the segment-length histogram (20 buckets of 50 ns up to 1000 ns, one bar each) and
    // per-core utilisation (one track per core).
    EXPECT_EQ(occurrences(html, "<svg "), 2u);
    EXPECT_EQ(occurrences(html, "<rect class=\"bar\""), 20u);
    EXPECT_EQ(occurrences(html, "<rect class=\"track\""), 2u);
    EXPECT_THAT(html, HasSubstr("<title>950 ns - 1.0 us: 1 segments</title>"));
    EXPECT_THAT(html, HasSubstr("<title>50 ns - 100 ns: 0 segments</title>"));
    // The console text is shown, never executed; no external resources or scripts.
    EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; &amp; done"));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("src=")));
    EXPECT_THAT(html, Not(HasSubstr("href=")));
    EXPECT_THAT(html, HasSubstr("<td class=\"num\">45.0%</td>"));
}

// A string field of an event ("" when absent) and its ts in microseconds (-1 when absent).
std::string str(const nlohmann::json& event, const char* key)
{
    return event.value(key, std::string());
}

double ts(const nlohmann::json& event)
{
    return event.value("ts", -1.0);
}

// The exported events, parsed back.
struct Exported {
    nlohmann::json trace;
    std::string text;

    // The first event matching the predicate (a null json when none).
    nlohmann::json find(const std::function<bool(const nlohmann::json&)>& match) const
    {
        for (const auto& event : trace.at("traceEvents"))
            if (match(event))
                return event;
        return nullptr;
    }
    // The (pid, tid) of the thread with this name.
    std::pair<int, int> thread(const std::string& name) const
    {
        const auto meta = find([&](const nlohmann::json& e) {
            return str(e, "ph") == "M" && str(e, "name") == "thread_name" && e.at("args").value("name", "") == name;
        });
        return meta.is_null() ? std::pair{-1, -1} : std::pair{meta["pid"].get<int>(), meta["tid"].get<int>()};
    }
};

Exported exportTrace(db::Database& database)
{
    std::ostringstream out;
    exportPerfetto(database, out);
    return {nlohmann::json::parse(out.str()), out.str()};
}

TEST_F(ReportTest, PerfettoExportHasSlicesSegmentsAndInstantsOnTheirTracks)
{
    db::Database database = build();
    const Exported e = exportTrace(database);
    EXPECT_EQ(e.trace["displayTimeUnit"], "ns");

    const auto core0 = e.thread("core 0");
    const auto hypervisor0 = e.thread("core 0 hypervisor");
    const auto core1 = e.thread("core 1");
    const auto v0 = e.thread("vm0v0");
    ASSERT_NE(core0.first, -1);
    EXPECT_EQ(hypervisor0.first, core0.first);
    EXPECT_NE(hypervisor0.second, core0.second);
    EXPECT_NE(v0.first, core0.first);

    // A vCPU slice: [1500, 3000) ns is ts 1.5 us, dur 1.5 us, written exactly.
    const auto slice = e.find([](const nlohmann::json& x) { return str(x, "ph") == "X" && ts(x) == 1.5; });
    ASSERT_FALSE(slice.is_null());
    EXPECT_EQ(slice["name"], "vm0v0");
    EXPECT_EQ(slice["dur"], 1.5);
    EXPECT_EQ((std::pair{slice["pid"].get<int>(), slice["tid"].get<int>()}), core0);
    EXPECT_EQ(slice["args"]["end_reason"], "hypervisor");
    EXPECT_EQ(slice["args"]["instructions"], 50);
    EXPECT_THAT(e.text, HasSubstr("\"ts\":1.500,\"dur\":1.500,"));

    // The slice still running at the end: [5000, 10000) on core 1, no end reason.
    const auto open = e.find(
        [](const nlohmann::json& x) { return str(x, "ph") == "X" && str(x, "name") == "vm0v1" && ts(x) == 5.0; });
    ASSERT_FALSE(open.is_null());
    EXPECT_EQ(open["dur"], 5.0);
    EXPECT_EQ((std::pair{open["pid"].get<int>(), open["tid"].get<int>()}), core1);
    EXPECT_TRUE(open["args"]["end_reason"].is_null());
    EXPECT_EQ(open["args"]["open"], true);

    // The last flush segment on core 0's hypervisor thread: [5000, 6000).
    const auto segment =
        e.find([](const nlohmann::json& x) { return str(x, "cat") == "flush" && str(x, "ph") == "X" && ts(x) == 5.0; });
    ASSERT_FALSE(segment.is_null());
    EXPECT_EQ(segment["name"], "flush 0 of vm0");
    EXPECT_EQ(segment["dur"], 1.0);
    EXPECT_EQ((std::pair{segment["pid"].get<int>(), segment["tid"].get<int>()}), hypervisor0);
    EXPECT_EQ(segment["args"]["pages"], 50);
    EXPECT_EQ(segment["args"]["finished"], true);
    EXPECT_EQ(segment["args"]["unpreempted_delay_ns"], 700);

    std::size_t segments = 0;
    std::size_t traps = 0;
    for (const auto& x : e.trace.at("traceEvents")) {
        segments += str(x, "cat") == "flush" && str(x, "ph") == "X" ? 1u : 0u;
        traps += str(x, "cat") == "trap" ? 1u : 0u;
    }
    EXPECT_EQ(segments, 5u);
    EXPECT_EQ(traps, 5u);

    // Instants on vm0v0's thread: a trap named by what it was, the stale read, the marker.
    const auto trap = e.find([](const nlohmann::json& x) { return str(x, "cat") == "trap" && ts(x) == 1.2; });
    ASSERT_FALSE(trap.is_null());
    EXPECT_EQ(trap["name"], "DC CISW");
    EXPECT_EQ(trap["ph"], "i");
    EXPECT_EQ(trap["s"], "t");
    EXPECT_EQ((std::pair{trap["pid"].get<int>(), trap["tid"].get<int>()}), v0);
    const auto stale = e.find([](const nlohmann::json& x) { return str(x, "name") == "stale read"; });
    ASSERT_FALSE(stale.is_null());
    EXPECT_EQ(stale["ts"], 5.6);
    EXPECT_EQ(stale["args"]["address"], "0x80005000");
    EXPECT_EQ(stale["args"]["agent"], "vm0v0");
    EXPECT_EQ((std::pair{stale["pid"].get<int>(), stale["tid"].get<int>()}), v0);
    const auto marker = e.find([](const nlohmann::json& x) { return str(x, "cat") == "marker"; });
    ASSERT_FALSE(marker.is_null());
    EXPECT_EQ(marker["name"], "caches-on");
    EXPECT_EQ(marker["ts"], 1.1);

    // SCTLR_EL1 state as slices on the vCPU thread: off until 400 ns, then M and C on.
    const auto sctlr = e.find([](const nlohmann::json& x) { return str(x, "cat") == "sctlr" && ts(x) == 0.4; });
    ASSERT_FALSE(sctlr.is_null());
    EXPECT_EQ(sctlr["name"], "SCTLR mmu_caches");
    EXPECT_EQ(sctlr["dur"], 9.6);
    EXPECT_EQ((std::pair{sctlr["pid"].get<int>(), sctlr["tid"].get<int>()}), v0);

    // Same database, same bytes.
    EXPECT_EQ(e.text, exportTrace(database).text);
}

} // namespace
} // namespace vcm::analyzer

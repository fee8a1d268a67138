// vcm-gui on real KVM's own trace (a trace-cmd file of tests/reference/kvm/traces): it is ingested like a trace
// directory and opened, and the window says the run had no coherence oracle instead of looking clean.
#include "gui_test_support.h"

#include "vcm/gui/area_statistics_panel.h"
#include "vcm/gui/findings_model.h"
#include "vcm/gui/ingest_job.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/trace_source.h"

#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using vcm::gui::IngestJob;
using vcm::gui::MainWindow;

TEST(HardwareTrace, ATraceCmdFileIsIngestedOpenedAndSaysItHasNoOracle)
{
    vcm::gui::test::application();
    const fs::path dat = vcm::gui::test::referenceTrace("6.12-neoverse-n1", "bootloader-setway");

    MainWindow window;
    QSignalSpy done(window.ingestJob(), &IngestJob::succeeded);
    window.openSource(QString::fromStdString(dat.string()));
    EXPECT_TRUE(window.statusText().startsWith(QStringLiteral("Ingesting"))) << window.statusText().toStdString();
    ASSERT_TRUE(done.wait(60000));
    QTRY_VERIFY(window.source() != nullptr);
    EXPECT_FALSE(window.source()->facts().hasOracle);
    EXPECT_TRUE(window.statusText().contains(QStringLiteral("no coherence oracle")))
        << window.statusText().toStdString();
    bool noOracleFinding = false;
    for (int row = 0; row < window.findings()->rowCount(); ++row)
        noOracleFinding |= window.findings()->finding(row).kind == QStringLiteral("no_oracle");
    EXPECT_TRUE(noOracleFinding) << "the findings say it too";
    // And the tracks: where the stale-data tracks would be, one band over the run says "unknown", not nothing.
    const auto& groups = window.source()->groups();
    const auto memory = std::find_if(groups.begin(), groups.end(),
                                     [](const vcm::gui::TrackGroup& g) { return g.name == QStringLiteral("memory"); });
    ASSERT_NE(memory, groups.end()) << "a memory group even without stale data";
    ASSERT_EQ(memory->tracks.size(), 1u);
    const vcm::gui::TrackInfo& unknown = window.source()->tracks().at(static_cast<std::size_t>(memory->tracks.front()));
    EXPECT_EQ(unknown.name, QStringLiteral("stale data: unknown"));
    const std::int64_t end = window.source()->facts().endTs;
    const auto rows = window.source()->sample(memory->tracks.front(), {0, static_cast<double>(end + 1)}, 100);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.front().ts, 0);
    EXPECT_EQ(rows.front().end, end) << "the whole run";
    EXPECT_EQ(rows.front().label, QStringLiteral("unknown: no coherence oracle watched this run"));
}

// Area statistics name each track with its group: the vCPU ran on two host CPUs in this recording, and both cores'
// tracks are called "vCPU" (issue 19: "vCPU (sched_slice)" four times without the core).
TEST(HardwareTrace, AreaStatisticsNameTheCoreOfEachTrack)
{
    vcm::gui::test::application();
    vcm::gui::TraceSource source(vcm::gui::test::referenceDatabase("6.1-neoverse-n1", "bootloader-setway"));
    vcm::gui::AreaSelection area{{0, static_cast<double>(source.facts().endTs + 1)}, {}};
    for (int track = 0; track < static_cast<int>(source.tracks().size()); ++track)
        area.tracks.push_back(track);
    const vcm::gui::AreaStatistics statistics = vcm::gui::computeAreaStatistics(source, area);
    std::vector<QString> vcpuRows;
    for (const auto& [name, rows] : statistics.rowsPerTrack)
        if (name.endsWith(QStringLiteral("vCPU (sched_slice)"))) {
            vcpuRows.push_back(name);
            EXPECT_GT(rows, 0) << name.toStdString();
        }
    ASSERT_EQ(vcpuRows.size(), 2u);
    EXPECT_EQ(vcpuRows[0], QStringLiteral("core 0: vCPU (sched_slice)"));
    EXPECT_EQ(vcpuRows[1], QStringLiteral("core 1: vCPU (sched_slice)"));
}

} // namespace

// The memory tracks of the timeline: stale-data windows per page when there are few pages; per region (the
// 2 MiB stage-2 block) when there are many, each region's pages in a group of their own that starts collapsed.
// Databases are built from synthetic event streams through the ingest's TraceDatabaseBuilder.
#include "../analyzer/synthetic_trace.h"
#include "gui_test_support.h"

#include "vcm/gui/main_window.h"
#include "vcm/gui/timeline_widget.h"
#include "vcm/gui/track_catalog.h"

#include <QString>

#include <algorithm>
#include <map>

namespace vcm::gui {
namespace {

using analyzer::testing::SyntheticTrace;

struct RegionLayout {
    std::uint64_t base;
    int pages;
};

// Windows on `pages` consecutive pages of each region, opened 1 ns apart from t = 100 and closed 1 us later,
// except the last page of each region, still open at the end of the run.
void writeWindows(SyntheticTrace& t, const std::vector<RegionLayout>& regions)
{
    t.standardMachine("native");
    std::uint64_t at = 100;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> closes;
    for (const RegionLayout& region : regions) {
        for (int p = 0; p < region.pages; ++p, ++at) {
            const std::uint64_t page = region.base + static_cast<std::uint64_t>(p) * 4096;
            t.at(at).staleWindowOpen(at, page, "d1v0 (caches off)", "write by d1v0 on core 0");
            if (p + 1 < region.pages)
                closes.emplace_back(at + 1000, page);
        }
    }
    std::sort(closes.begin(), closes.end());
    for (const auto& [when, page] : closes)
        t.at(when).staleWindowClose(when, page, "DC CIVAC by d1v0 on core 0");
    t.at(5000).runEnd(5000, 1);
    t.analyse();
}

int tracksOf(const TraceSource& source, TrackKind kind)
{
    return static_cast<int>(std::count_if(source.tracks().begin(), source.tracks().end(),
                                          [&](const TrackInfo& track) { return track.kind == kind; }));
}

int groupNamed(const TraceSource& source, const QString& name)
{
    const auto& groups = source.groups();
    const auto found = std::find_if(groups.begin(), groups.end(), [&](const TrackGroup& g) { return g.name == name; });
    return found == groups.end() ? -1 : static_cast<int>(found - groups.begin());
}

TEST(MemoryTracks, FewPagesHaveATrackEach)
{
    test::application();
    SyntheticTrace t;
    writeWindows(t, {{0x80000000, kMaximumPageTracks}});
    TraceSource source(t.file());
    EXPECT_EQ(tracksOf(source, TrackKind::StaleWindows), kMaximumPageTracks);
    EXPECT_EQ(tracksOf(source, TrackKind::StaleRegion), 0);
}

TEST(MemoryTracks, ManyPagesAreGroupedByRegionWithTheirPagesCollapsedBelow)
{
    test::application();
    SyntheticTrace t;
    // Three regions: 20 pages, 5 pages, and 100 pages (too many to list page by page).
    writeWindows(t, {{0x80000000, 20}, {0x80200000, 5}, {0x90000000, kMaximumPageTracksPerRegion + 36}});
    TraceSource source(t.file());

    std::map<std::int64_t, int> regionTracks; // region base -> track
    for (std::size_t i = 0; i < source.tracks().size(); ++i) {
        if (source.tracks()[i].kind == TrackKind::StaleRegion)
            regionTracks.emplace(source.tracks()[i].entity, static_cast<int>(i));
    }
    ASSERT_EQ(regionTracks.size(), 3u);
    ASSERT_TRUE(regionTracks.contains(0x80000000) && regionTracks.contains(0x80200000) && regionTracks.contains(0x90000000));
    EXPECT_EQ(source.tracks()[static_cast<std::size_t>(regionTracks[0x80000000])].name, QStringLiteral("stale 0x80000000 +2M (20 pages)"));
    // A region track holds every window of its pages, and only those.
    const TimeRange whole{0, 5000};
    EXPECT_EQ(source.countRows(regionTracks[0x80000000], whole), 20);
    EXPECT_EQ(source.countRows(regionTracks[0x80200000], whole), 5);
    EXPECT_EQ(source.countRows(regionTracks[0x90000000], whole), kMaximumPageTracksPerRegion + 36);
    // Windows of a region overlap: one summary spans them, to the end of the run for the one left open.
    const auto items = source.sample(regionTracks[0x80200000], whole, 1000);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items.front().ts, 120);
    EXPECT_EQ(items.front().end, 5000);

    // Pages to drill into: the two small regions have a group each, the large one none.
    const int first = groupNamed(source, QStringLiteral("pages of 0x80000000 +2M"));
    const int second = groupNamed(source, QStringLiteral("pages of 0x80200000 +2M"));
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    EXPECT_EQ(groupNamed(source, QStringLiteral("pages of 0x90000000 +2M")), -1);
    EXPECT_EQ(source.groups()[static_cast<std::size_t>(first)].tracks.size(), 20u);
    EXPECT_EQ(tracksOf(source, TrackKind::StaleWindows), 25);

    // On the timeline the page groups start collapsed: their tracks take no room until expanded.
    TimelineWidget timeline;
    timeline.resize(1200, 2000);
    timeline.setSource(&source);
    EXPECT_FALSE(timeline.isGroupCollapsed(groupNamed(source, QStringLiteral("memory"))));
    EXPECT_TRUE(timeline.isGroupCollapsed(first));
    EXPECT_TRUE(timeline.isGroupCollapsed(second));
    const int page = timeline.findTrack(TrackKind::StaleWindows, 0x80200000 + 4096);
    ASSERT_GE(page, 0);
    EXPECT_TRUE(timeline.trackRect(page).isEmpty());
    EXPECT_FALSE(timeline.trackRect(regionTracks[0x80200000]).isEmpty());
    timeline.setGroupCollapsed(second, false);
    EXPECT_FALSE(timeline.trackRect(page).isEmpty());
}

} // namespace
} // namespace vcm::gui

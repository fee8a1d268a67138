// Which tracks a trace database has, grouped as the timeline shows them: the trace (findings, data loss),
// each physical core, each VM, each vCPU, and memory. A track exists when its table has rows for its entity
// (one index probe each), so an empty trace shows its cores and vCPUs and nothing invented.
#pragma once

#include "vcm/db/database.h"
#include "vcm/gui/trace_source.h"
#include "vcm/gui/track.h"

#include <vector>

namespace vcm::gui {

// Stale-data windows: per-page tracks up to this many pages. Beyond, the memory group has one track per
// region of kStaleRegionBytes (the stage-2 block size of a 4 KiB granule, the unit a hypervisor maps and
// flushes by), and each region's pages follow in a group of their own that starts collapsed (when it has
// at most kMaximumPageTracksPerRegion pages). Beyond kMaximumRegionTracks regions, one track for all pages.
inline constexpr int kMaximumPageTracks = 16;
inline constexpr std::int64_t kStaleRegionBytes = 2 * 1024 * 1024;
inline constexpr int kMaximumRegionTracks = 64;
inline constexpr int kMaximumPageTracksPerRegion = 64;
// Flush segments whose unpreempted delay exceeds this are drawn in the warning colour.
inline constexpr std::int64_t kLongUnpreemptedDelayNs = 1'000'000;

struct TrackCatalog {
    std::vector<TrackInfo> tracks;
    std::vector<TrackGroup> groups;
};

TrackCatalog buildTrackCatalog(db::Database& db, const RunFacts& facts);

} // namespace vcm::gui

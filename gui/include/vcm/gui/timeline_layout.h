// The vertical layout of the timeline: group header rows and track rows, in content coordinates (before
// vertical scrolling), given which groups are collapsed.
#pragma once

#include "vcm/gui/track.h"

#include <vector>

namespace vcm::gui {

inline constexpr int kLabelWidth = 170;
inline constexpr int kRulerHeight = 26;
inline constexpr int kGroupHeaderHeight = 18;
inline constexpr int kTrackHeight = 20;
inline constexpr int kScrollBarWidth = 12;  // the vertical scroll bar at the right edge, outside the plot

struct TimelineRow {
    int group = 0;
    int track = -1;   // -1: the group's header row
    int y = 0;        // top, in content coordinates (0 = just below the ruler)
    int height = 0;
};

// collapsed[g] hides the tracks of group g (its header stays).
std::vector<TimelineRow> layoutTimeline(const std::vector<TrackGroup>& groups, const std::vector<bool>& collapsed);
int contentHeight(const std::vector<TimelineRow>& rows);

} // namespace vcm::gui

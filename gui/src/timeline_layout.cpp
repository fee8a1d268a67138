#include "vcm/gui/timeline_layout.h"

namespace vcm::gui {

std::vector<TimelineRow> layoutTimeline(const std::vector<TrackGroup>& groups, const std::vector<bool>& collapsed)
{
    std::vector<TimelineRow> rows;
    int y = 0;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        rows.push_back({static_cast<int>(g), -1, y, kGroupHeaderHeight});
        y += kGroupHeaderHeight;
        if (g < collapsed.size() && collapsed[g])
            continue;
        for (const int track : groups[g].tracks) {
            rows.push_back({static_cast<int>(g), track, y, kTrackHeight});
            y += kTrackHeight;
        }
    }
    return rows;
}

int contentHeight(const std::vector<TimelineRow>& rows)
{
    return rows.empty() ? 0 : rows.back().y + rows.back().height;
}

} // namespace vcm::gui

// The SQL text of a track's statements, from its TrackQuery.
#pragma once

#include "vcm/gui/track.h"

#include <string>

namespace vcm::gui {

std::string selectColumns(const TrackQuery& query);
std::string inRangeSql(const TrackQuery& query);
std::string lastBeforeSql(const TrackQuery& query);
std::string coveringFromSql(const TrackQuery& query);
// ?1 ts, ?2 id: the next (or previous) row in (ts, id) order.
std::string neighbourSql(const TrackQuery& query, bool forward);

} // namespace vcm::gui

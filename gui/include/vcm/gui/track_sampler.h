// Level of detail, after KernelShark's one bin per pixel: walks a track's rows in time order through its
// (track, ts) index and keeps at most one summary per pixel column. When a few rows in a row land in columns
// already drawn, it seeks past them instead of reading them, so the work is bounded by the pixels, not the rows.
#pragma once

#include "vcm/db/database.h"
#include "vcm/gui/time_range.h"
#include "vcm/gui/track.h"

#include <vector>

namespace vcm::gui {

// The statements of one track, prepared from its TrackQuery (see track_query_sql.h).
struct TrackSamplerStatements {
    db::Statement inRange;      // ?1 <= ts < ?2, in ts order
    db::Statement lastBefore;   // the last row with ts < ?1
    db::Statement coveringFrom; // overlapping tracks: rows with ?1 <= ts < ?2 and ts + dur > ?2
};

// Merged after this many consecutive rows fell into already drawn columns: then the sampler seeks.
inline constexpr int kRowsBeforeSeek = 2;

// The statements of a track's query, prepared on `db` (each thread that samples has its own connection).
TrackSamplerStatements prepareSamplerStatements(db::Database& db, const TrackQuery& query);

// The item of the statement's current row (a query of the form selectColumns builds).
TrackItem trackItemOfRow(const db::Statement& statement, bool withLabel = true);

std::vector<TrackItem> sampleTrack(TrackSamplerStatements& statements, const TrackQuery& query, const TimeRange& range,
                                   int pixels);

} // namespace vcm::gui

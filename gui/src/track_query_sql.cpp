#include "vcm/gui/track_query_sql.h"

namespace vcm::gui {

std::string selectColumns(const TrackQuery& q)
{
    return "SELECT " + q.id + ", " + q.ts + ", " + q.dur + ", " + q.style + ", " + q.link + ", " + q.label + ", " +
           q.origin + " FROM " + q.from + " WHERE " + q.where;
}

std::string inRangeSql(const TrackQuery& q)
{
    return selectColumns(q) + " AND " + q.ts + " >= ?1 AND " + q.ts + " < ?2 ORDER BY " + q.ts;
}

std::string lastBeforeSql(const TrackQuery& q)
{
    return selectColumns(q) + " AND " + q.ts + " < ?1 ORDER BY " + q.ts + " DESC LIMIT 1";
}

std::string coveringFromSql(const TrackQuery& q)
{
    // Bounded: a lead-in longer than this is summarised by the rows read (they are drawn merged anyway).
    return selectColumns(q) + " AND " + q.ts + " >= ?1 AND " + q.ts + " < ?2 AND " + q.ts + " + " + q.dur +
           " > ?2 ORDER BY " + q.ts + " LIMIT 512";
}

std::string neighbourSql(const TrackQuery& q, bool forward)
{
    if (forward)
        return selectColumns(q) + " AND (" + q.ts + " > ?1 OR (" + q.ts + " = ?1 AND " + q.id + " > ?2)) ORDER BY " +
               q.ts + ", " + q.id + " LIMIT 1";
    return selectColumns(q) + " AND (" + q.ts + " < ?1 OR (" + q.ts + " = ?1 AND " + q.id + " < ?2)) ORDER BY " + q.ts +
           " DESC, " + q.id + " DESC LIMIT 1";
}

} // namespace vcm::gui

#include "vcm/gui/track_sampler.h"

#include "vcm/gui/track_query_sql.h"

#include <QString>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vcm::gui {

TrackSamplerStatements prepareSamplerStatements(db::Database& db, const TrackQuery& query)
{
    TrackSamplerStatements statements{db.prepare(inRangeSql(query)), db.prepare(lastBeforeSql(query)), {}};
    if (query.overlapping)
        statements.coveringFrom = db.prepare(coveringFromSql(query));
    return statements;
}

TrackItem trackItemOfRow(const db::Statement& statement, bool withLabel)
{
    TrackItem item;
    item.rowId = statement.columnInt(0);
    item.ts = statement.columnInt(1);
    item.end = item.ts + std::max<std::int64_t>(statement.columnInt(2), 0);
    item.style = statement.columnInt(3);
    item.link = statement.columnInt(4);
    if (withLabel && statement.columnType(5) != db::ColumnType::Null)
        item.label = QString::fromStdString(statement.columnText(5));
    item.origin = statement.columnOptionalInt(6);
    return item;
}

namespace {

// The earlier of two origins; an absent one does not count.
std::optional<std::int64_t> earliest(std::optional<std::int64_t> a, std::optional<std::int64_t> b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return std::min(*a, *b);
}

// Collects rows into per-column summaries. Columns are counted from the range start.
class ColumnSummaries {
public:
    ColumnSummaries(const TimeRange& range, int pixels)
        : m_start(range.start), m_nsPerPixel(range.width() / std::max(pixels, 1))
    {
    }

    double column(std::int64_t t) const { return std::floor((static_cast<double>(t) - m_start) / m_nsPerPixel); }
    // The first time of the column after the last covered one: where a seek resumes.
    std::int64_t nextUncoveredTime() const
    {
        return static_cast<std::int64_t>(std::ceil(m_start + (m_lastColumn + 1) * m_nsPerPixel));
    }

    // Adds the statement's current row; returns true when it was merged into the previous summary. Only the
    // columns needed to place the row are read unless it starts a new summary (labels cost a copy each).
    bool add(const db::Statement& statement)
    {
        const std::int64_t ts = statement.columnInt(1);
        const std::int64_t end = ts + std::max<std::int64_t>(statement.columnInt(2), 0);
        const double first = column(ts);
        const double last = column(std::max(end - 1, ts));
        // Merged: a row starting inside the columns of the previous summary, or in its last column when that
        // summary is itself within one column. A row starting in the last column of a wide summary gets its own,
        // so back-to-back slices stay apart (at most two summaries per column).
        const bool narrow = !m_items.empty() && column(m_items.back().ts) >= m_lastColumn;
        if (!m_items.empty() && (first < m_lastColumn || (first == m_lastColumn && narrow))) {
            TrackItem& previous = m_items.back();
            // A summary is drawn as the row that covers most of it: a state band whose first, sub-pixel
            // interval is followed by a long one in the same column shows the long one.
            if (end - ts > m_dominant) {
                const TrackItem row = trackItemOfRow(statement);
                previous.rowId = row.rowId;
                previous.style = row.style;
                previous.link = row.link;
                previous.label = row.label;
                previous.origin = earliest(previous.origin, row.origin);
                m_dominant = end - ts;
            }
            previous.end = std::max(previous.end, end);
            previous.origin = earliest(previous.origin, statement.columnOptionalInt(6));
            ++previous.rows;
            m_lastColumn = std::max(m_lastColumn, last);
            return true;
        }
        m_items.push_back(trackItemOfRow(statement));
        m_dominant = end - ts;
        m_lastColumn = std::max(first, last);
        return false;
    }

    // A row skipped by a seek that still reaches further than the summaries: widen the last one.
    void widenLast(std::int64_t end)
    {
        if (m_items.empty())
            return;
        TrackItem& previous = m_items.back();
        previous.rowsExact = false;
        if (end > previous.end) {
            previous.end = end;
            m_lastColumn = std::max(m_lastColumn, column(std::max(end - 1, previous.ts)));
        }
    }

    void markInexact()
    {
        if (!m_items.empty())
            m_items.back().rowsExact = false;
    }

    std::vector<TrackItem> take() { return std::move(m_items); }

private:
    double m_start;
    double m_nsPerPixel;
    double m_lastColumn = -1e300;
    std::int64_t m_dominant = 0; // duration of the row whose style the last summary shows
    std::vector<TrackItem> m_items;
};

} // namespace

std::vector<TrackItem> sampleTrack(TrackSamplerStatements& statements, const TrackQuery& query, const TimeRange& range,
                                   int pixels)
{
    const bool instants = query.dur == "0";
    const auto start = static_cast<std::int64_t>(std::floor(range.start));
    const auto end = static_cast<std::int64_t>(std::ceil(range.end));
    ColumnSummaries summaries(range, pixels);

    // Rows starting before the range that still cover its beginning.
    if (query.overlapping) {
        db::Statement& covering = statements.coveringFrom;
        covering.reset();
        covering.bind(1, start - query.maximumDuration).bind(2, start);
        while (covering.step())
            summaries.add(covering);
    } else {
        db::Statement& before = statements.lastBefore;
        before.reset();
        before.bind(1, start);
        if (before.step() && trackItemOfRow(before, false).end > start)
            summaries.add(before);
    }

    // A frame's work is bounded: past this many rows the rest of the range is left as drawn so far.
    const long budget = 8L * std::max(pixels, 1) + 256;
    long rowsRead = 0;
    db::Statement& inRange = statements.inRange;
    inRange.reset();
    inRange.bind(1, start).bind(2, end);
    int mergedInARow = 0;
    while (inRange.step()) {
        if (++rowsRead > budget) {
            summaries.markInexact();
            break;
        }
        if (!summaries.add(inRange)) {
            mergedInARow = 0;
            continue;
        }
        // Overlapping rows may reach past later ones, so those tracks are read, not skipped.
        if (query.overlapping || ++mergedInARow < kRowsBeforeSeek)
            continue;
        mergedInARow = 0;
        summaries.markInexact();
        if (!instants) {
            // The last row starting before the resume point may reach past it (rows of a track do not overlap,
            // so no earlier one can). Instants reach nowhere.
            db::Statement& before = statements.lastBefore;
            before.reset();
            before.bind(1, summaries.nextUncoveredTime());
            if (before.step())
                summaries.widenLast(trackItemOfRow(before, false).end);
        }
        const std::int64_t resume = summaries.nextUncoveredTime();
        if (resume >= end)
            break;
        inRange.reset();
        inRange.bind(1, resume).bind(2, end);
    }
    inRange.reset();
    return summaries.take();
}

} // namespace vcm::gui

// Tracks of the timeline: what a row shows (its kind and the entity it belongs to), how it is queried, and
// the per-pixel summaries a query returns.
#pragma once

#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vcm::gui {

enum class TrackKind {
    Findings,       // analyzer findings, coloured by severity
    DataLoss,       // stretches the tracer lost
    CoreVcpu,       // which vCPU runs on a physical core (sched_slice by core)
    CoreHypervisor, // hypervisor work on a core: flush segments (flush_segment by core)
    VmFlushes,      // full-guest flushes of a VM
    VmSegments,     // the segments of those flushes, linked, the long unpreempted ones in a warning colour
    VcpuWaiting,    // runnable but not running: waiting for a core (vcpu_wait)
    VcpuSctlr,      // SCTLR_EL1 state band: off / MMU only / caches only / MMU+caches
    VcpuTvm,        // HCR_EL2.TVM armed
    VcpuTraps,      // traps as ticks, coloured by kind
    VcpuMarkers,    // guest markers
    VcpuConsole,    // guest console lines
    StaleWindows,   // stale-data windows of one page (or of all pages when there are too many regions)
    StaleRegion,    // stale-data windows of every page of one region (kStaleRegionBytes), when there are many pages
    StaleReads,     // reads that returned stale data
    Clobbers,       // writes lost to an older line's write-back
};

// How a track's rows are fetched. Every query has the form
//   SELECT <id>, <ts>, <dur>, <style>, <link>, <label>, <origin> FROM <from> WHERE <where> AND <ts> >= ?1 AND <ts> < ?2
//   ORDER BY <ts>
// so that SQLite walks the (track column, ts) index in time order.
struct TrackQuery {
    std::string table;          // the table a selected item's row id refers to
    std::string from;           // table or join
    std::string where = "1";    // the track's key, e.g. "core = 2" (integers from the database, never user text)
    std::string id = "id";
    std::string ts = "ts";
    std::string dur = "dur";
    std::string style = "0";    // an integer the painter maps to a colour (vCPU id, state, severity, ...)
    std::string link = "0";     // items with the same non-zero link are drawn connected (segments of a flush)
    std::string label = "NULL"; // text drawn inside wide enough items
    // A time each item is linked back to, drawn as a line from there to the item: for stale reads the write
    // they missed, for clobbers the write they destroyed. NULL: no link.
    std::string origin = "NULL";
    // Rows of the track may overlap in time (findings, flushes, windows of many pages). Then a row starting up
    // to `maximumDuration` before the range may still cover it, and sampling cannot skip rows by seeking.
    bool overlapping = false;
    std::int64_t maximumDuration = 0;
};

struct TrackInfo {
    QString name;
    TrackKind kind = TrackKind::Findings;
    std::int64_t entity = -1;   // core, VM, vCPU id or page (of the track's run); -1 for trace-wide tracks
    int run = 0;                // whose rows: 0 the run opened (A), 1 the run compared with (B)
    bool instants = false;      // rows have no duration (drawn as ticks)
    TrackQuery query;
};

// "A" or "B": how the window names a run when two are compared.
inline QString runLetter(int run)
{
    return run == 0 ? QStringLiteral("A") : QStringLiteral("B");
}

struct TrackGroup {
    QString name;
    std::vector<int> tracks;    // indexes into the track list
    bool collapsed = false;     // how it starts (a region's per-page tracks start collapsed)
};

// One summary per pixel column (or per item when items are wider than a pixel): the first row in the column,
// widened to the end of the last row merged into it.
struct TrackItem {
    std::int64_t rowId = 0;
    std::int64_t ts = 0;
    std::int64_t end = 0;
    std::int64_t style = 0;
    std::int64_t link = 0;
    int rows = 1;               // rows merged into this summary (a lower bound when `rowsExact` is false)
    bool rowsExact = true;      // false: sampling skipped rows by seeking past a dense stretch
    QString label;
    std::optional<std::int64_t> origin; // the earliest origin (TrackQuery::origin) of the rows merged into it
};

} // namespace vcm::gui

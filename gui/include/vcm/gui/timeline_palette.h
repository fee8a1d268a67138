// The timeline's colours, one place: the screenshot test checks pixels against these, and the legend lists them.
// One colour, one meaning: red is kept for what is wrong (error findings, stale reads, clobbers), amber for
// warnings (warning findings, flush segments that kept work waiting too long); nothing else uses either.
#pragma once

#include "vcm/gui/track.h"

#include <QColor>

#include <cstdint>
#include <vector>

namespace vcm::gui::palette {

// The timeline's chrome: backgrounds, grid, text and the near-black or slate marks drawn like text (links, the
// hatching of lost data, guest markers and console lines). It follows the theme; the item colours below mean the
// same in both themes and are mid-tones that read on either background.
enum class Theme { Light, Dark };
struct Chrome {
    QColor background;
    QColor labelBackground;
    QColor groupBackground;
    QColor grid;
    QColor text;
    QColor selection;
    QColor writeLink;      // from a stale read (clobber) back to the write it missed (destroyed)
    QColor segmentLink;
    QColor lossBackground; // data loss: "unknown", hatched
    QColor lossHatch;
    QColor marker;
    QColor console;
    // Comparing two runs: run B's rows are tinted, so that each pair (A's track over B's) reads as one.
    QColor comparedLabelBackground;
    QColor comparedBackground;
};
const Chrome& chrome(); // the current theme's
Theme theme();
void setTheme(Theme theme);

inline const QColor kFlush{46, 125, 50};            // VM flush slices
inline const QColor kFlushSegment{161, 136, 127};    // hypervisor work: flush segments
inline const QColor kLongSegment{251, 140, 0};      // unpreempted delay over the threshold: a warning
inline const QColor kStaleWindow{142, 36, 170};     // stale-data windows
inline const QColor kStaleWindowOpen{186, 104, 200};// still open at the end of the run
inline const QColor kStaleRead{198, 40, 40};
inline const QColor kClobber{136, 14, 79};
inline const QColor kTvm{0, 151, 167};
inline const QColor kWaiting{255, 241, 118};        // a runnable vCPU waiting for a core (pale yellow, not amber)
inline const QColor kEvidence{233, 30, 99};
inline const QColor kMark{255, 111, 0};
inline const QColor kAreaSelection{33, 150, 243, 60};

// vCPU run slices: a distinct hue per vCPU id.
QColor vcpu(std::int64_t vcpuId);
// SCTLR states: 0 off, 1 MMU only, 2 caches only, 3 MMU+caches, 4 reset value unknown.
QColor sctlrState(std::int64_t state);
// Trap kinds: 0 set/way, 1 VM register (TVM), 2 stage-2 fault, 3 other.
QColor trapKind(std::int64_t kind);
// Finding severities: 0 info, 1 warning, 2 error.
QColor severity(std::int64_t level);

// The colour of an item of a track of this kind with this style value.
QColor itemColour(TrackKind kind, std::int64_t style);

// What each colour means, for the legend: every colour itemColour() and the painter use, once.
struct LegendEntry {
    QString section;      // "Findings", "Cores", ...
    QString meaning;
    QColor colour;
    bool hatched = false; // drawn hatched (lost data)
    bool wrong = false;   // marks something wrong (only these may be red)
};
std::vector<LegendEntry> legend();

} // namespace vcm::gui::palette

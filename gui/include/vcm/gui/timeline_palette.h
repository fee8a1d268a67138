// The timeline's colours, one place: the screenshot test checks pixels against these, and the legend lists them.
// One colour, one meaning: red is kept for what is wrong (error findings, stale reads, clobbers), amber for
// warnings (warning findings, flush segments that kept work waiting too long); nothing else uses either.
#pragma once

#include "vcm/gui/track.h"

#include <QColor>

#include <cstdint>
#include <vector>

namespace vcm::gui::palette {

inline const QColor kBackground{255, 255, 255};
inline const QColor kLabelBackground{238, 238, 242};
inline const QColor kGroupBackground{222, 224, 232};
inline const QColor kGrid{232, 232, 236};
inline const QColor kText{30, 30, 30};
inline const QColor kFlush{46, 125, 50};            // VM flush slices
inline const QColor kFlushSegment{161, 136, 127};    // hypervisor work: flush segments
inline const QColor kLongSegment{251, 140, 0};      // unpreempted delay over the threshold: a warning
inline const QColor kSegmentLink{90, 90, 90};
inline const QColor kStaleWindow{142, 36, 170};     // stale-data windows
inline const QColor kStaleWindowOpen{186, 104, 200};// still open at the end of the run
inline const QColor kStaleRead{198, 40, 40};
inline const QColor kClobber{136, 14, 79};
inline const QColor kWriteLink{33, 33, 33};         // from a stale read (clobber) back to the write it missed (destroyed)
inline const QColor kTvm{0, 151, 167};
inline const QColor kWaiting{255, 241, 118};        // a runnable vCPU waiting for a core (pale yellow, not amber)
inline const QColor kMarker{55, 71, 79};
inline const QColor kConsole{96, 125, 139};
inline const QColor kLossBackground{255, 236, 179};  // data loss: "unknown", hatched
inline const QColor kLossHatch{93, 64, 55};
inline const QColor kSelection{0, 0, 0};
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

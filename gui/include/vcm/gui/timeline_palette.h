// The timeline's colours, one place: the screenshot test checks pixels against these.
#pragma once

#include "vcm/gui/track.h"

#include <QColor>

#include <cstdint>

namespace vcm::gui::palette {

inline const QColor kBackground{255, 255, 255};
inline const QColor kLabelBackground{238, 238, 242};
inline const QColor kGroupBackground{222, 224, 232};
inline const QColor kGrid{232, 232, 236};
inline const QColor kText{30, 30, 30};
inline const QColor kFlush{46, 125, 50};            // VM flush slices
inline const QColor kFlushSegment{255, 143, 0};     // hypervisor work: flush segments
inline const QColor kLongSegment{211, 47, 47};      // unpreempted delay over the threshold
inline const QColor kSegmentLink{90, 90, 90};
inline const QColor kStaleWindow{142, 36, 170};     // stale-data windows
inline const QColor kStaleWindowOpen{186, 104, 200};// still open at the end of the run
inline const QColor kStaleRead{198, 40, 40};
inline const QColor kClobber{230, 81, 0};
inline const QColor kWriteLink{120, 144, 156};      // from a stale read (clobber) back to the write it missed (destroyed)
inline const QColor kTvm{0, 151, 167};
inline const QColor kMarker{55, 71, 79};
inline const QColor kConsole{96, 125, 139};
inline const QColor kLossBackground{255, 236, 179};  // data loss: "unknown", hatched
inline const QColor kLossHatch{121, 85, 72};
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

} // namespace vcm::gui::palette

#include "vcm/gui/timeline_palette.h"

#include <array>

namespace vcm::gui::palette {

QColor vcpu(std::int64_t vcpuId)
{
    // Saturated but not the warning hues; the golden-angle step keeps neighbours apart.
    static const std::array<QColor, 8> base = {QColor(66, 133, 244), QColor(0, 137, 123), QColor(124, 77, 255),
                                               QColor(3, 155, 229),  QColor(67, 160, 71), QColor(94, 53, 177),
                                               QColor(0, 172, 193),  QColor(121, 134, 203)};
    if (vcpuId >= 0 && vcpuId < static_cast<std::int64_t>(base.size()))
        return base[static_cast<std::size_t>(vcpuId)];
    const int hue = static_cast<int>((vcpuId * 137) % 360);
    return QColor::fromHsv(hue, 160, 210);
}

QColor sctlrState(std::int64_t state)
{
    switch (state) {
    case 0: return {189, 189, 189};   // off: grey
    case 1: return {255, 213, 79};    // MMU only: amber
    case 2: return {255, 171, 145};   // caches without MMU
    case 3: return {102, 187, 106};   // MMU+caches: green
    default: return {224, 224, 224};  // reset value unknown
    }
}

QColor trapKind(std::int64_t kind)
{
    switch (kind) {
    case 0: return {229, 57, 53};     // set/way
    case 1: return {0, 151, 167};     // VM register (TVM)
    case 2: return {94, 53, 177};     // stage-2 fault
    default: return {97, 97, 97};
    }
}

QColor severity(std::int64_t level)
{
    switch (level) {
    case 2: return {198, 40, 40};
    case 1: return {251, 140, 0};
    default: return {30, 136, 229};
    }
}

QColor itemColour(TrackKind kind, std::int64_t style)
{
    switch (kind) {
    case TrackKind::Findings: return severity(style);
    case TrackKind::DataLoss: return kLossBackground;
    case TrackKind::CoreVcpu: return vcpu(style);
    case TrackKind::CoreHypervisor:
    case TrackKind::VmSegments: return style != 0 ? kLongSegment : kFlushSegment;
    case TrackKind::VmFlushes: return kFlush;
    case TrackKind::VcpuSctlr: return sctlrState(style);
    case TrackKind::VcpuTvm: return kTvm;
    case TrackKind::VcpuTraps: return trapKind(style);
    case TrackKind::VcpuMarkers: return kMarker;
    case TrackKind::VcpuConsole: return kConsole;
    case TrackKind::StaleWindows:
    case TrackKind::StaleRegion: return style != 0 ? kStaleWindowOpen : kStaleWindow;
    case TrackKind::StaleReads: return kStaleRead;
    case TrackKind::Clobbers: return kClobber;
    }
    return kText;
}

} // namespace vcm::gui::palette

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
    case 0: return {158, 157, 36};    // set/way (olive: red is kept for what is wrong)
    case 1: return {0, 151, 167};     // VM register (TVM)
    case 2: return {63, 81, 181};     // stage-2 fault
    default: return {97, 97, 97};
    }
}

QColor severity(std::int64_t level)
{
    switch (level) {
    case 2: return {198, 40, 40};
    case 1: return {251, 140, 0};
    default: return {100, 181, 246};
    }
}

namespace {

const Chrome kLight{
    {255, 255, 255}, {238, 238, 242}, {222, 224, 232}, {232, 232, 236}, {30, 30, 30},   {0, 0, 0},
    {33, 33, 33},    {90, 90, 90},    {255, 236, 179}, {93, 64, 55},    {55, 71, 79},   {96, 125, 139},
    {220, 230, 244}, {244, 248, 253},
};
// Dark: backgrounds of Qt Creator's and Perfetto's dark modes; links, hatching and markers light where they were dark.
const Chrome kDark{
    {30, 31, 34},    {43, 45, 50},    {55, 58, 64},    {50, 52, 57},    {224, 224, 224}, {255, 255, 255},
    {230, 230, 230}, {170, 170, 170}, {78, 64, 28},    {255, 213, 79},  {176, 190, 197}, {144, 164, 174},
    {40, 50, 66},    {35, 39, 47},
};
Theme g_theme = Theme::Light;

} // namespace

const Chrome& chrome()
{
    return g_theme == Theme::Dark ? kDark : kLight;
}

Theme theme()
{
    return g_theme;
}

void setTheme(Theme theme)
{
    g_theme = theme;
}

QColor itemColour(TrackKind kind, std::int64_t style)
{
    switch (kind) {
    case TrackKind::Findings: return severity(style);
    case TrackKind::DataLoss: return chrome().lossBackground;
    case TrackKind::CoreVcpu: return vcpu(style);
    case TrackKind::CoreHypervisor:
    case TrackKind::VmSegments: return style != 0 ? kLongSegment : kFlushSegment;
    case TrackKind::VmFlushes: return kFlush;
    case TrackKind::VcpuWaiting: return kWaiting;
    case TrackKind::VcpuSctlr: return sctlrState(style);
    case TrackKind::VcpuTvm: return kTvm;
    case TrackKind::VcpuTraps: return trapKind(style);
    case TrackKind::VcpuMarkers: return chrome().marker;
    case TrackKind::VcpuConsole: return chrome().console;
    case TrackKind::StaleWindows:
    case TrackKind::StaleRegion: return style != 0 ? kStaleWindowOpen : kStaleWindow;
    case TrackKind::StaleReads: return kStaleRead;
    case TrackKind::Clobbers: return kClobber;
    }
    return chrome().text;
}

std::vector<LegendEntry> legend()
{
    const QString findings = QStringLiteral("Findings");
    const QString cores = QStringLiteral("Cores and VMs");
    const QString vcpus = QStringLiteral("vCPUs");
    const QString memory = QStringLiteral("Memory");
    const QString trace = QStringLiteral("Trace");
    return {
        {findings, QStringLiteral("error (data lost or wrong)"), severity(2), false, true},
        {findings, QStringLiteral("warning"), severity(1)},
        {findings, QStringLiteral("info"), severity(0)},
        {cores, QStringLiteral("a vCPU running (one hue per vCPU)"), vcpu(0)},
        {cores, QStringLiteral("hypervisor flush work (a segment)"), kFlushSegment},
        {cores, QStringLiteral("a segment that kept work waiting over 1 ms (warning)"), kLongSegment},
        {cores, QStringLiteral("a full-guest flush of a VM"), kFlush},
        {vcpus, QStringLiteral("runnable, waiting for a core"), kWaiting},
        {vcpus, QStringLiteral("SCTLR: MMU and caches off"), sctlrState(0)},
        {vcpus, QStringLiteral("SCTLR: MMU only"), sctlrState(1)},
        {vcpus, QStringLiteral("SCTLR: caches only"), sctlrState(2)},
        {vcpus, QStringLiteral("SCTLR: MMU and caches on"), sctlrState(3)},
        {vcpus, QStringLiteral("TVM armed; a trapped VM-register write"), kTvm},
        {vcpus, QStringLiteral("trap: set/way operation"), trapKind(0)},
        {vcpus, QStringLiteral("trap: stage-2 fault"), trapKind(2)},
        {vcpus, QStringLiteral("trap: other"), trapKind(3)},
        {vcpus, QStringLiteral("guest marker"), chrome().marker},
        {vcpus, QStringLiteral("console output"), chrome().console},
        {memory, QStringLiteral("stale read (missed the latest write)"), kStaleRead, false, true},
        {memory, QStringLiteral("clobber (a write destroyed)"), kClobber, false, true},
        {memory, QStringLiteral("link from the write a read missed or a clobber destroyed"), chrome().writeLink},
        {memory, QStringLiteral("stale-data window"), kStaleWindow},
        {memory, QStringLiteral("stale-data window still open at the end"), kStaleWindowOpen},
        {trace, QStringLiteral("data the tracer lost: unknown, not empty"), chrome().lossHatch, true},
    };
}

} // namespace vcm::gui::palette

// The visible time range of the timeline and the exact navigation steps on it (W/S zoom, A/D pan), kept free
// of widgets so the amounts are one definition that the widget, the docs and the tests share.
#pragma once

#include <cstdint>

namespace vcm::gui {

// One W or S press (and one Ctrl+wheel notch) divides or multiplies the visible width by this factor.
inline constexpr double kZoomStepFactor = 1.25;
// One A or D press moves the visible range by this fraction of its width.
inline constexpr double kPanStepFraction = 0.10;
// The narrowest range the view zooms to: below a few ns the virtual clock has no finer events.
inline constexpr double kMinimumWidthNs = 20.0;

// A half-open range of virtual nanoseconds [start, end). Doubles: repeated zooming by 1.25 must not drift
// by integer rounding, and 2^53 ns (104 days) is far beyond any run.
struct TimeRange {
    double start = 0;
    double end = 0;

    double width() const { return end - start; }
    bool contains(double t) const { return t >= start && t < end; }
    bool operator==(const TimeRange&) const = default;
};

// The bounds the view may show: the trace's [0, end of run].
struct TimeBounds {
    double start = 0;
    double end = 1;
};

// Zooms by `factor` (> 1 zooms in) keeping the time at `anchorFraction` (0 = left edge, 1 = right edge) fixed,
// then clamps to the bounds.
TimeRange zoomed(const TimeRange& range, double factor, double anchorFraction, const TimeBounds& bounds);
// Moves by `fraction` of the width (> 0 later in time), then clamps to the bounds.
TimeRange panned(const TimeRange& range, double fraction, const TimeBounds& bounds);
// Keeps the width (narrowed to the bounds' width and widened to the minimum) and shifts the range inside the bounds.
TimeRange clamped(TimeRange range, const TimeBounds& bounds);
// A range containing [start, end] with `margin` of its width on each side (instants get the minimum width).
TimeRange framing(double start, double end, double margin);

} // namespace vcm::gui

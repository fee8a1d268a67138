#include "vcm/gui/time_range.h"

#include <algorithm>

namespace vcm::gui {

TimeRange clamped(TimeRange range, const TimeBounds& bounds)
{
    const double boundsWidth = bounds.end - bounds.start;
    const double width = std::clamp(range.width(), std::min(kMinimumWidthNs, boundsWidth), boundsWidth);
    double start = range.start;
    if (range.width() != width)
        start = range.start + (range.width() - width) / 2;
    start = std::clamp(start, bounds.start, bounds.end - width);
    return {start, start + width};
}

TimeRange zoomed(const TimeRange& range, double factor, double anchorFraction, const TimeBounds& bounds)
{
    const double anchor = range.start + anchorFraction * range.width();
    const double boundsWidth = bounds.end - bounds.start;
    const double width = std::clamp(range.width() / factor, std::min(kMinimumWidthNs, boundsWidth), boundsWidth);
    const double start = anchor - anchorFraction * width;
    return clamped({start, start + width}, bounds);
}

TimeRange panned(const TimeRange& range, double fraction, const TimeBounds& bounds)
{
    const double shift = fraction * range.width();
    return clamped({range.start + shift, range.end + shift}, bounds);
}

TimeRange framing(double start, double end, double margin)
{
    const double width = std::max(end - start, kMinimumWidthNs);
    const double centre = (start + end) / 2;
    const double framed = width * (1 + 2 * margin);
    return {centre - framed / 2, centre + framed / 2};
}

} // namespace vcm::gui

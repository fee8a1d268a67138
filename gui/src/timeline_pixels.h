// Rounding of timeline coordinates to whole pixels, shared by the timeline widget's painting and input handling.
#pragma once

#include <algorithm>
#include <cmath>

namespace vcm::gui {

inline int toInt(double value)
{
    return static_cast<int>(std::lround(std::clamp(value, -1e6, 1e6)));
}

} // namespace vcm::gui

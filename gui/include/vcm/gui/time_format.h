// Virtual-time labels for the ruler and the panels: the unit adapts to the magnitude (ns, us, ms, s).
#pragma once

#include <QString>

#include <cstdint>

namespace vcm::gui {

// "650 ns", "1.250 us", "72.352 ms", "2.448 s".
QString formatDuration(double ns);
// A time on the run's clock, same units as formatDuration.
QString formatTime(double ns);

// Ruler ticks: the step (1, 2 or 5 times a power of ten ns) that puts at least `minimumPixels` between ticks.
double rulerStep(double nsPerPixel, double minimumPixels);
// A tick label with as many decimals as the step needs, in the unit of the step.
QString formatTick(double ns, double step);

} // namespace vcm::gui

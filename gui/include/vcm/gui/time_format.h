// Virtual-time labels for the ruler and the panels: the unit adapts to the magnitude (ns, us, ms, s).
#pragma once

#include <QString>

#include <optional>

#include <cstdint>

namespace vcm::gui {

// "650 ns", "1.250 us", "72.352 ms", "2.448 s".
QString formatDuration(double ns);
// A time on the run's clock, same units as formatDuration.
QString formatTime(double ns);
// The unit a column of times in a run lasting `runNs` is written in (1, 1e3, 1e6 or 1e9 ns), so that one column
// never mixes units; and a time in it with three decimals ("647.536 us").
double columnUnit(double runNs);
QString formatTimeIn(double ns, double unitNs);

// Ruler ticks: the step (1, 2 or 5 times a power of ten ns) that puts at least `minimumPixels` between ticks.
double rulerStep(double nsPerPixel, double minimumPixels);
// A tick label with as many decimals as the step needs, in the unit of the step.
QString formatTick(double ns, double step);
// Where the ruler counts from when absolute labels would be long: zoomed in far from the start of the run (a view
// starting 1000 steps or more from 0, "73182 us"), the first tick of the view, else nothing (absolute labels).
std::optional<double> rulerOrigin(double viewStart, double step);
// A tick's label: absolute without an origin; with one, the origin's own tick absolute in its own unit ("73.182 ms")
// and the others counted from it ("+2 us"), as Perfetto's ruler does.
QString formatRulerLabel(double ns, double step, std::optional<double> origin);

} // namespace vcm::gui

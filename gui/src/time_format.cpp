#include "vcm/gui/time_format.h"

#include <cmath>

namespace vcm::gui {

namespace {

struct Unit {
    double ns;
    const char* name;
};

Unit unitFor(double magnitude)
{
    if (magnitude >= 1e9)
        return {1e9, "s"};
    if (magnitude >= 1e6)
        return {1e6, "ms"};
    if (magnitude >= 1e3)
        return {1e3, "us"};
    return {1, "ns"};
}

} // namespace

QString formatDuration(double ns)
{
    const Unit unit = unitFor(std::fabs(ns));
    if (unit.ns == 1)
        return QStringLiteral("%1 ns").arg(std::llround(ns));
    return QStringLiteral("%1 %2").arg(ns / unit.ns, 0, 'f', 3).arg(QLatin1String(unit.name));
}

QString formatTime(double ns)
{
    return formatDuration(ns);
}

double columnUnit(double runNs)
{
    return runNs >= 1e9 ? 1e9 : runNs >= 1e6 ? 1e6 : runNs >= 1e3 ? 1e3 : 1;
}

QString formatTimeIn(double ns, double unitNs)
{
    const char* unit = unitNs >= 1e9 ? "s" : unitNs >= 1e6 ? "ms" : unitNs >= 1e3 ? "us" : "ns";
    return unitNs <= 1 ? QStringLiteral("%1 ns").arg(ns, 0, 'f', 0)
                       : QStringLiteral("%1 %2").arg(ns / unitNs, 0, 'f', 3).arg(QLatin1String(unit));
}

double rulerStep(double nsPerPixel, double minimumPixels)
{
    const double minimumStep = std::max(nsPerPixel * minimumPixels, 1.0);
    double power = std::pow(10.0, std::floor(std::log10(minimumStep)));
    for (;;) {
        for (const double multiple : {1.0, 2.0, 5.0}) {
            if (power * multiple >= minimumStep)
                return power * multiple;
        }
        power *= 10;
    }
}

QString formatTick(double ns, double step)
{
    // The unit of five steps: ticks every 500 us read "2.5 ms", not "2500 us".
    const Unit unit = unitFor(step * 5);
    // Decimals so that consecutive ticks differ in the label: step 250 us in ms units needs 2.
    const double stepInUnit = step / unit.ns;
    int decimals = 0;
    while (decimals < 6 && std::fabs(stepInUnit * std::pow(10.0, decimals) - std::round(stepInUnit * std::pow(10.0, decimals))) > 1e-6)
        ++decimals;
    return QStringLiteral("%1 %2").arg(ns / unit.ns, 0, 'f', decimals).arg(QLatin1String(unit.name));
}

std::optional<double> rulerOrigin(double viewStart, double step)
{
    const double first = std::ceil(viewStart / step);
    if (first < 1000)
        return std::nullopt;
    return first * step;
}

QString formatRulerLabel(double ns, double step, std::optional<double> origin)
{
    if (!origin)
        return formatTick(ns, step);
    if (std::fabs(ns - *origin) >= step / 2)
        return QStringLiteral("+") + formatTick(ns - *origin, step);
    // The origin in the unit of its own magnitude, with the decimals the step needs there.
    const Unit unit = unitFor(std::fabs(ns));
    const double stepInUnit = step / unit.ns;
    int decimals = 0;
    while (decimals < 9 && stepInUnit * std::pow(10.0, decimals) < 1 - 1e-9)
        ++decimals;
    return QStringLiteral("%1 %2").arg(ns / unit.ns, 0, 'f', decimals).arg(QLatin1String(unit.name));
}

} // namespace vcm::gui

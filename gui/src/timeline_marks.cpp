#include "vcm/gui/timeline_marks.h"

#include <algorithm>
#include <cmath>

namespace vcm::gui {

std::size_t TimelineMarks::add(double time)
{
    const auto at = std::upper_bound(m_marks.begin(), m_marks.end(), time,
                                     [](double t, const TimelineMark& mark) { return t < mark.time; });
    const auto inserted = m_marks.insert(at, TimelineMark{time, QStringLiteral("M%1").arg(++m_made)});
    return static_cast<std::size_t>(inserted - m_marks.begin());
}

void TimelineMarks::rename(std::size_t index, const QString& name)
{
    if (index < m_marks.size() && !name.trimmed().isEmpty())
        m_marks[index].name = name.trimmed();
}

void TimelineMarks::remove(std::size_t index)
{
    if (index < m_marks.size())
        m_marks.erase(m_marks.begin() + static_cast<std::ptrdiff_t>(index));
}

void TimelineMarks::clear()
{
    m_marks.clear();
    m_made = 0;
}

std::optional<double> TimelineMarks::distance(const std::vector<TimelineMark>& marks, std::size_t index)
{
    if (index == 0 || index >= marks.size())
        return std::nullopt;
    return marks[index].time - marks[index - 1].time;
}

std::optional<std::size_t> TimelineMarks::near(double time, double tolerance) const
{
    std::optional<std::size_t> nearest;
    for (std::size_t i = 0; i < m_marks.size(); ++i) {
        const double distance = std::fabs(m_marks[i].time - time);
        if (distance <= tolerance && (!nearest || distance < std::fabs(m_marks[*nearest].time - time)))
            nearest = i;
    }
    return nearest;
}

} // namespace vcm::gui

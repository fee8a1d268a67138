// Marks on the timeline's time axis (M, or the timeline's context menu): each named (M1, M2, ... in the order they
// were made, renamable), kept in time order, with the distance from the mark before it, as Perfetto's flags and
// Trace Compass's bookmarks give (issue 19: marks had no names, no list and no distance).
#pragma once

#include <QString>

#include <cstddef>
#include <optional>
#include <vector>

namespace vcm::gui {

struct TimelineMark {
    double time = 0;
    QString name;
};

class TimelineMarks {
public:
    // Adds a mark named "M<n>" (n counts every mark made since the last clear) and returns its index.
    std::size_t add(double time);
    void rename(std::size_t index, const QString& name);
    void remove(std::size_t index);
    void clear();
    // In time order.
    const std::vector<TimelineMark>& all() const { return m_marks; }
    bool empty() const { return m_marks.empty(); }
    // Time from the mark before it, nothing for the first.
    std::optional<double> distanceFromPrevious(std::size_t index) const { return distance(m_marks, index); }
    static std::optional<double> distance(const std::vector<TimelineMark>& marks, std::size_t index);
    // The mark within `tolerance` ns of `time`, the nearest one.
    std::optional<std::size_t> near(double time, double tolerance) const;

private:
    std::vector<TimelineMark> m_marks;
    int m_made = 0;
};

} // namespace vcm::gui

// Statistics of an area selection (time range x tracks): rows per track, and the durations of the flush
// segments in it as a histogram with power-of-two buckets.
#pragma once

#include "vcm/gui/timeline_widget.h"

#include <QWidget>

class QTextBrowser;

namespace vcm::gui {

// At most this many segment durations are read for the histogram (the counts stay exact).
inline constexpr int kHistogramSampleLimit = 100000;

struct AreaStatistics {
    std::vector<std::pair<QString, std::int64_t>> rowsPerTrack;
    // (bucket upper bound in ns, count): bucket k holds durations in [2^(k-1), 2^k).
    std::vector<std::pair<std::int64_t, std::int64_t>> segmentHistogram;
    std::int64_t segments = 0;
};

AreaStatistics computeAreaStatistics(TraceSource& source, const AreaSelection& area);

class AreaStatisticsPanel : public QWidget {
    Q_OBJECT
public:
    explicit AreaStatisticsPanel(QWidget* parent = nullptr);
    void showArea(TraceSource* source, const std::optional<AreaSelection>& area);
    QString text() const;

private:
    QTextBrowser* m_browser = nullptr;
};

} // namespace vcm::gui

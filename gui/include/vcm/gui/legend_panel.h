// The legend: what every colour of the timeline means, grouped by where it appears (findings, cores and VMs,
// vCPUs, memory, the trace), built from palette::legend() so that it cannot drift from what is drawn. A dock
// of the main window (View > Legend), open by default.
#pragma once

#include <QWidget>

#include <vector>

class QLabel;

namespace vcm::gui {

class LegendPanel : public QWidget {
    Q_OBJECT
public:
    explicit LegendPanel(QWidget* parent = nullptr);
    // The meanings listed, in order (tests read them).
    QStringList meanings() const;
    // Draws the swatches again in the current theme's chrome.
    void refreshColours();

private:
    std::vector<QLabel*> m_swatches; // one per palette::legend() entry, in order
};

} // namespace vcm::gui

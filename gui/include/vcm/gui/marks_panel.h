// The Marks tab: the timeline's marks in time order with their time and the distance from the mark before; a name
// is edited in place, a double-click centres the timeline on the mark, Delete removes it.
#pragma once

#include <QWidget>

class QTableWidget;

namespace vcm::gui {

class TimelineWidget;

class MarksPanel : public QWidget {
    Q_OBJECT
public:
    MarksPanel(TimelineWidget* timeline, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refresh();

    TimelineWidget* m_timeline;
    QTableWidget* m_table = nullptr;
    bool m_refreshing = false;
};

} // namespace vcm::gui

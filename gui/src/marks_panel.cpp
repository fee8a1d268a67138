#include "vcm/gui/marks_panel.h"

#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_widget.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QTableWidget>
#include <QVBoxLayout>

namespace vcm::gui {

MarksPanel::MarksPanel(TimelineWidget* timeline, QWidget* parent) : QWidget(parent), m_timeline(timeline)
{
    m_table = new QTableWidget(0, 3, this);
    m_table->setObjectName(QStringLiteral("marks"));
    m_table->setHorizontalHeaderLabels({tr("Mark"), tr("Time"), tr("From the previous mark")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->installEventFilter(this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_table);

    connect(m_timeline, &TimelineWidget::marksChanged, this, &MarksPanel::refresh);
    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (!m_refreshing && item->column() == 0)
            m_timeline->renameMark(static_cast<std::size_t>(item->row()), item->text());
    });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int column) {
        if (column == 0 || row < 0 || static_cast<std::size_t>(row) >= m_timeline->marks().size())
            return; // the name column edits
        const double time = m_timeline->marks()[static_cast<std::size_t>(row)].time;
        const double half = m_timeline->visibleRange().width() / 2;
        m_timeline->setVisibleRange({time - half, time + half});
    });
    refresh();
}

void MarksPanel::refresh()
{
    m_refreshing = true;
    const auto& marks = m_timeline->marks();
    m_table->setRowCount(static_cast<int>(marks.size()));
    for (std::size_t i = 0; i < marks.size(); ++i) {
        const int row = static_cast<int>(i);
        m_table->setItem(row, 0, new QTableWidgetItem(marks[i].name));
        auto* time = new QTableWidgetItem(formatTime(marks[i].time));
        time->setFlags(time->flags() & ~Qt::ItemIsEditable);
        m_table->setItem(row, 1, time);
        const std::optional<double> distance = TimelineMarks::distance(marks, i);
        auto* delta = new QTableWidgetItem(distance ? formatDuration(*distance) : QString());
        delta->setFlags(delta->flags() & ~Qt::ItemIsEditable);
        m_table->setItem(row, 2, delta);
    }
    m_refreshing = false;
}

bool MarksPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_table && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent*>(event)->key() == Qt::Key_Delete) { // an open editor gets its own keys
        const int row = m_table->currentRow();
        if (row >= 0)
            m_timeline->removeMark(static_cast<std::size_t>(row));
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace vcm::gui

// The event table panel: a table chooser, filters (kind, VM, vCPU, address) and the virtual table view.
// Activating a row asks the window to select that event on the timeline.
#pragma once

#include "vcm/gui/event_table_model.h"

#include <QWidget>

class QComboBox;
class QLineEdit;
class QTableView;

namespace vcm::gui {

class EventTablePanel : public QWidget {
    Q_OBJECT
public:
    explicit EventTablePanel(QWidget* parent = nullptr);
    void setSource(TraceSource* source);
    EventTableModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    void showTable(const std::string& table);

signals:
    void rowActivated(vcm::gui::RowRef row);

private:
    void applyFilter();

    EventTableModel* m_model = nullptr;
    QComboBox* m_table = nullptr;
    QLineEdit* m_kind = nullptr;
    QLineEdit* m_vm = nullptr;
    QLineEdit* m_vcpu = nullptr;
    QLineEdit* m_address = nullptr;
    QTableView* m_view = nullptr;
};

} // namespace vcm::gui

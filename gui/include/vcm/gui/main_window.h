// The vcm main window: the frame that the timeline, findings and details panels live in.
#pragma once

#include <QMainWindow>

class QLabel;

namespace vcm::gui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    // What the status bar says about the open trace ("No trace open" until one is loaded).
    QString statusText() const;

private:
    QLabel* m_status = nullptr;
};

} // namespace vcm::gui

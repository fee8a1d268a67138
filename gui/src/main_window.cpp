#include "vcm/gui/main_window.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>

namespace vcm::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("vcm"));
    resize(1280, 800);

    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->setObjectName(QStringLiteral("fileMenu"));
    QAction* quit = fileMenu->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);

    m_status = new QLabel(tr("No trace open"), this);
    statusBar()->addWidget(m_status);
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

} // namespace vcm::gui

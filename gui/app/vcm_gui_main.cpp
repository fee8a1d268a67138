// vcm-gui: the timeline viewer. Thin: builds the application and the main window.
#include "vcm/gui/main_window.h"

#include <QApplication>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("vcm-gui"));
    vcm::gui::MainWindow window;
    window.show();
    return QApplication::exec();
}

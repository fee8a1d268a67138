#include "vcm/gui/svg_export.h"

#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

namespace vcm::gui {

bool writeWidgetSvg(QWidget& widget, const QString& file, const QString& title)
{
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return false;
    QSvgGenerator generator;
    generator.setOutputDevice(&out);
    generator.setSize(widget.size());
    generator.setViewBox(QRect(QPoint(0, 0), widget.size()));
    generator.setTitle(title);
    generator.setDescription(QStringLiteral("vcm-gui timeline"));
    {
        QPainter painter(&generator);
        widget.render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
    }
    return out.commit();
}

} // namespace vcm::gui

#include "vcm/gui/legend_panel.h"

#include "vcm/gui/timeline_palette.h"

#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>

namespace vcm::gui {

namespace {

QPixmap swatch(const palette::LegendEntry& entry)
{
    QPixmap pixmap(22, 12);
    pixmap.fill(palette::chrome().background);
    QPainter painter(&pixmap);
    if (entry.hatched) {
        painter.fillRect(pixmap.rect(), palette::chrome().lossBackground);
        painter.fillRect(pixmap.rect(), QBrush(entry.colour, Qt::BDiagPattern));
    } else {
        painter.fillRect(pixmap.rect(), entry.colour);
    }
    return pixmap;
}

} // namespace

LegendPanel::LegendPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("legend"));
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(6, 6, 6, 6);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(2);
    QString section;
    int row = 0;
    for (const palette::LegendEntry& entry : palette::legend()) {
        if (entry.section != section) {
            section = entry.section;
            auto* heading = new QLabel(QStringLiteral("<b>%1</b>").arg(section.toHtmlEscaped()), this);
            grid->addWidget(heading, row++, 0, 1, 2);
        }
        auto* colour = new QLabel(this);
        colour->setPixmap(swatch(entry));
        m_swatches.push_back(colour);
        auto* meaning = new QLabel(entry.meaning, this);
        meaning->setObjectName(QStringLiteral("meaning"));
        meaning->setWordWrap(true);
        grid->addWidget(colour, row, 0, Qt::AlignTop);
        grid->addWidget(meaning, row++, 1);
    }
    grid->setRowStretch(row, 1);
    grid->setColumnStretch(1, 1);
}

void LegendPanel::refreshColours()
{
    const std::vector<palette::LegendEntry> entries = palette::legend();
    for (std::size_t i = 0; i < entries.size() && i < m_swatches.size(); ++i)
        m_swatches[i]->setPixmap(swatch(entries[i]));
}

QStringList LegendPanel::meanings() const
{
    QStringList list;
    for (const QLabel* label : findChildren<QLabel*>(QStringLiteral("meaning"), Qt::FindDirectChildrenOnly))
        list << label->text();
    return list;
}

} // namespace vcm::gui

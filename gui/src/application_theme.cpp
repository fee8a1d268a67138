#include "vcm/gui/application_theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace vcm::gui {

namespace {

QPalette darkPalette()
{
    const palette::Chrome& c = palette::chrome();
    QPalette p;
    p.setColor(QPalette::Window, c.labelBackground);
    p.setColor(QPalette::WindowText, c.text);
    p.setColor(QPalette::Base, c.background);
    p.setColor(QPalette::AlternateBase, c.labelBackground);
    p.setColor(QPalette::ToolTipBase, c.groupBackground);
    p.setColor(QPalette::ToolTipText, c.text);
    p.setColor(QPalette::Text, c.text);
    p.setColor(QPalette::Button, c.groupBackground);
    p.setColor(QPalette::ButtonText, c.text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(66, 133, 244));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(138, 180, 248));
    p.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 120));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 120));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(120, 120, 120));
    return p;
}

} // namespace

void applyApplicationTheme(palette::Theme theme)
{
    palette::setTheme(theme);
    if (qobject_cast<QApplication*>(QCoreApplication::instance()) == nullptr)
        return; // the timeline's colours only (a test without widgets)
    if (QStyle* fusion = QStyleFactory::create(QStringLiteral("Fusion")))
        QApplication::setStyle(fusion);
    QApplication::setPalette(theme == palette::Theme::Dark ? darkPalette() : QApplication::style()->standardPalette());
}

std::optional<palette::Theme> parseTheme(const QString& text)
{
    if (text.compare(QStringLiteral("light"), Qt::CaseInsensitive) == 0)
        return palette::Theme::Light;
    if (text.compare(QStringLiteral("dark"), Qt::CaseInsensitive) == 0)
        return palette::Theme::Dark;
    return std::nullopt;
}

QString themeName(palette::Theme theme)
{
    return theme == palette::Theme::Dark ? QStringLiteral("dark") : QStringLiteral("light");
}

} // namespace vcm::gui

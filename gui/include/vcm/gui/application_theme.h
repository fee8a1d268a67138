// Light or dark: the timeline's chrome (palette::setTheme) and the application's widgets (a dark QPalette on the Fusion
// style, which honours it on every platform), switched together.
#pragma once

#include "vcm/gui/timeline_palette.h"

#include <QString>

#include <optional>

namespace vcm::gui {

void applyApplicationTheme(palette::Theme theme);
// "light" or "dark" (case-insensitive); nothing for anything else.
std::optional<palette::Theme> parseTheme(const QString& text);
QString themeName(palette::Theme theme);

} // namespace vcm::gui

// Vector export of a widget (the timeline, the whole window): its paint commands replayed into Qt SVG's
// generator, so the SVG has the shapes and text themselves, not a picture of them. Written through
// QSaveFile: the file appears complete or not at all.
#pragma once

#include <QString>

class QWidget;

namespace vcm::gui {

// Returns false (and leaves any existing file untouched) when the file cannot be written.
bool writeWidgetSvg(QWidget& widget, const QString& file, const QString& title);

} // namespace vcm::gui

// Details of the selected item: every column of its row, the findings that cite it and, for a finding, its
// evidence; for a stale read or a clobber, the write it missed or destroyed. Related rows are links: clicking
// one selects it on the timeline; the write's link shows it and the item together.
#pragma once

#include "vcm/gui/trace_source.h"

#include <QWidget>

class QTextBrowser;

namespace vcm::gui {

class DetailsPanel : public QWidget {
    Q_OBJECT
public:
    explicit DetailsPanel(QWidget* parent = nullptr);
    void setSource(TraceSource* source);
    void showRow(const std::optional<RowRef>& row);
    QString text() const;

signals:
    void rowLinkActivated(vcm::gui::RowRef row);
    // A link to a stretch of time (a stale read and the write it missed): show [from, to].
    void timeLinkActivated(qint64 from, qint64 to);

private:
    TraceSource* m_source = nullptr;
    QTextBrowser* m_browser = nullptr;
};

} // namespace vcm::gui

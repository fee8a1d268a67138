#include "vcm/gui/compare_view.h"

#include "vcm/gui/time_format.h"
#include "vcm/gui/timeline_widget.h"

#include <QHeaderView>
#include <QLabel>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace vcm::gui {

namespace {

QString runText(const analyzer::ComparedRun& run)
{
    return QStringLiteral("%1 under %2 — %3")
        .arg(QString::fromStdString(run.scenario), QString::fromStdString(run.policy),
             QString::fromStdString(run.label));
}

QString presenceText(analyzer::Presence p)
{
    switch (p) {
    case analyzer::Presence::OnlyA:
        return QStringLiteral("only in A");
    case analyzer::Presence::OnlyB:
        return QStringLiteral("only in B");
    case analyzer::Presence::Both:
        return QStringLiteral("in both");
    }
    return {};
}

// The flush row of `vm`'s flush `flushId` in run `run`'s database, if it has one.
std::optional<std::int64_t> flushRow(TraceSource& source, int run, const std::string& vm, std::int64_t flushId)
{
    db::Statement q = source.database(run).prepare(
        "SELECT f.id FROM flush f JOIN vm v ON v.id = f.vm WHERE v.name = ?1 AND f.flush_id = ?2");
    q.bind(1, vm).bind(2, flushId);
    return q.step() ? std::optional(q.columnInt(0)) : std::nullopt;
}

QString timeText(const std::optional<std::int64_t>& ns)
{
    return ns ? formatTime(static_cast<double>(*ns)) : QStringLiteral("-");
}

} // namespace

CompareView::CompareView(TraceSource& source, TimelineWidget& timeline, QWidget* parent)
    : QWidget(parent), m_timeline(&timeline)
{
    setObjectName(QStringLiteral("compare"));
    m_comparison = analyzer::compareRuns(source.database(0), source.database(1), source.file(0).string(),
                                         source.file(1).string());
    m_header = new QLabel(this);
    m_header->setWordWrap(true); // its width is the tab's, not the runs' names'
    m_header->setText(tr("<b>A</b>: %1 &nbsp; <b>B</b>: %2 &nbsp; %3 findings only in A, %4 only in B")
                          .arg(runText(m_comparison.a).toHtmlEscaped(), runText(m_comparison.b).toHtmlEscaped())
                          .arg(m_comparison.count(analyzer::Presence::OnlyA))
                          .arg(m_comparison.count(analyzer::Presence::OnlyB)));

    // What differs, drawn where it is: the findings in one run only, and the flushes present in one run only or
    // of different lengths, outlined on their run's tracks; the first divergence of what the guests did, a mark
    // (one when both runs diverge at the same time, else one for each).
    std::vector<RowRef> different;
    for (const analyzer::FindingDifference& d : m_comparison.findings) {
        if (d.presence == analyzer::Presence::OnlyA)
            different.push_back({"finding", *d.idA, 0});
        else if (d.presence == analyzer::Presence::OnlyB)
            different.push_back({"finding", *d.idB, 1});
    }
    for (const analyzer::FlushDifference& f : m_comparison.flushes) {
        for (const int run : {0, 1}) {
            if (!(run == 0 ? f.tsA : f.tsB))
                continue;
            if (const auto row = flushRow(source, run, f.vm, f.flushId))
                different.push_back({"flush", *row, run});
        }
    }
    timeline.setHighlightedRows(std::move(different));
    if (const std::optional<analyzer::Divergence>& d = m_comparison.divergence) {
        if (d->tsA && d->tsB && *d->tsA == *d->tsB) {
            m_marks.push_back({static_cast<double>(*d->tsA), tr("runs diverge")});
        } else {
            if (d->tsA)
                m_marks.push_back({static_cast<double>(*d->tsA), tr("A diverges")});
            if (d->tsB)
                m_marks.push_back({static_cast<double>(*d->tsB), tr("B diverges")});
        }
    }
    for (const TimelineMark& mark : m_marks)
        timeline.renameMark(timeline.addMarkAt(mark.time), mark.name);

    m_model = new QStandardItemModel(this);
    m_model->setHorizontalHeaderLabels(
        {tr("Where"), tr("Severity"), tr("Kind"), tr("About"), tr("A at"), tr("B at"), tr("Explanation")});
    for (const analyzer::FindingDifference& d : m_comparison.findings) {
        QList<QStandardItem*> row;
        for (const QString& text : {presenceText(d.presence), QString::fromStdString(d.severity),
                                    QString::fromStdString(d.kind), QString::fromStdString(d.subject), timeText(d.tsA),
                                    timeText(d.tsB), QString::fromStdString(d.explanation)}) {
            auto* item = new QStandardItem(text);
            item->setEditable(false);
            item->setToolTip(QString::fromStdString(d.explanation));
            row << item;
        }
        m_model->appendRow(row);
    }
    for (const analyzer::FlushDifference& f : m_comparison.flushes) {
        QList<QStandardItem*> row;
        const QString where =
            !f.durA   ? tr("only in B")
            : !f.durB ? tr("only in A")
                      : tr("longer in %1").arg(*f.durA > *f.durB ? QStringLiteral("A") : QStringLiteral("B"));
        for (const QString& text :
             {where, QStringLiteral("-"), tr("flush"),
              QStringLiteral("%1 flush %2").arg(QString::fromStdString(f.vm)).arg(f.flushId), timeText(f.tsA),
              timeText(f.tsB), tr("took %1 in A, %2 in B").arg(timeText(f.durA), timeText(f.durB))}) {
            auto* item = new QStandardItem(text);
            item->setEditable(false);
            row << item;
        }
        m_model->appendRow(row);
    }
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("differences"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->setDefaultSectionSize(20);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    connect(m_view, &QTableView::activated, this,
            [this](const QModelIndex& index) { activateDifference(index.row()); });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_header);
    layout->addWidget(m_view, 1);
}

CompareView::~CompareView()
{
    if (!m_timeline)
        return;
    m_timeline->setHighlightedRows({});
    for (const TimelineMark& made : m_marks) {
        const auto& marks = m_timeline->marks();
        const auto found = std::find_if(marks.begin(), marks.end(), [&](const TimelineMark& mark) {
            return mark.time == made.time && mark.name == made.name;
        });
        if (found != marks.end())
            m_timeline->removeMark(static_cast<std::size_t>(found - marks.begin()));
    }
}

void CompareView::activateDifference(int row)
{
    if (row < 0 || !m_timeline)
        return;
    const auto findingRows = static_cast<int>(m_comparison.findings.size());
    std::optional<std::int64_t> tsA, tsB;
    if (row < findingRows) {
        const analyzer::FindingDifference& d = m_comparison.findings[static_cast<std::size_t>(row)];
        tsA = d.tsA;
        tsB = d.tsB;
        if (d.idA)
            m_timeline->setSelection(TimelineSelection{{"finding", *d.idA, 0}, *d.tsA, *d.tsA, -1});
        else if (d.idB)
            m_timeline->setSelection(TimelineSelection{{"finding", *d.idB, 1}, *d.tsB, *d.tsB, -1});
    } else if (row - findingRows < static_cast<int>(m_comparison.flushes.size())) {
        const analyzer::FlushDifference& f = m_comparison.flushes[static_cast<std::size_t>(row - findingRows)];
        tsA = f.tsA;
        tsB = f.tsB;
    } else {
        return;
    }
    const double start = static_cast<double>(std::min(tsA.value_or(*tsB), tsB.value_or(*tsA)));
    const double end = static_cast<double>(std::max(tsA.value_or(*tsB), tsB.value_or(*tsA)));
    const double margin = std::max((end - start) * 0.2, 20'000.0);
    m_timeline->setVisibleRange({start - margin, end + margin});
}

} // namespace vcm::gui

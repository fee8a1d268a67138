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

// The flush row of `vm`'s flush `flushId` in a run's database, if it has one.
std::optional<std::int64_t> flushRow(TraceSource& source, const std::string& vm, std::int64_t flushId)
{
    db::Statement q = source.database().prepare(
        "SELECT f.id FROM flush f JOIN vm v ON v.id = f.vm WHERE v.name = ?1 AND f.flush_id = ?2");
    q.bind(1, vm).bind(2, flushId);
    return q.step() ? std::optional(q.columnInt(0)) : std::nullopt;
}

QString timeText(const std::optional<std::int64_t>& ns)
{
    return ns ? formatTime(static_cast<double>(*ns)) : QStringLiteral("-");
}

} // namespace

CompareView::CompareView(TraceSource& sourceA, TimelineWidget& timelineA, const QString& fileB, QWidget* parent)
    : QWidget(parent), m_sourceA(sourceA), m_timelineA(timelineA),
      m_sourceB(std::make_unique<TraceSource>(fileB.toStdString()))
{
    setObjectName(QStringLiteral("compare"));
    m_comparison = analyzer::compareRuns(m_sourceA.database(), m_sourceB->database(), m_sourceA.file().string(),
                                         m_sourceB->file().string());

    m_header = new QLabel(this);
    m_header->setText(tr("<b>B</b>: %1 &nbsp; (A above: %2) &nbsp; %3 findings only in A, %4 only in B")
                          .arg(runText(m_comparison.b).toHtmlEscaped(), runText(m_comparison.a).toHtmlEscaped())
                          .arg(m_comparison.count(analyzer::Presence::OnlyA))
                          .arg(m_comparison.count(analyzer::Presence::OnlyB)));
    m_timelineB = new TimelineWidget(this);
    m_timelineB->setBackgroundSampling(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_header);
    layout->addWidget(m_timelineB, 1);

    // One time axis: both views may cover the longer run; their ranges move together.
    const TimeBounds a = m_sourceA.bounds();
    const TimeBounds b = m_sourceB->bounds();
    const TimeBounds shared{std::min(a.start, b.start), std::max(a.end, b.end)};
    m_timelineA.setAxisBounds(shared);
    m_timelineB->setSource(m_sourceB.get());
    m_timelineB->setAxisBounds(shared);
    m_timelineB->setVisibleRange(m_timelineA.visibleRange());
    const auto follow = [this](TimelineWidget* to) {
        return [this, to](TimeRange range) {
            if (m_syncing)
                return;
            m_syncing = true;
            to->setVisibleRange(range);
            m_syncing = false;
        };
    };
    connect(&m_timelineA, &TimelineWidget::rangeChanged, this, follow(m_timelineB));
    connect(m_timelineB, &TimelineWidget::rangeChanged, this, follow(&m_timelineA));

    // What differs, drawn where it is: the findings in one run only, and the flushes present in one run only or
    // of different lengths, outlined on their run's timeline; the first divergence of what the guests did, a mark
    // on each timeline.
    std::vector<RowRef> differentA;
    std::vector<RowRef> differentB;
    for (const analyzer::FindingDifference& d : m_comparison.findings) {
        if (d.presence == analyzer::Presence::OnlyA)
            differentA.push_back({"finding", *d.idA});
        else if (d.presence == analyzer::Presence::OnlyB)
            differentB.push_back({"finding", *d.idB});
    }
    for (const analyzer::FlushDifference& f : m_comparison.flushes) {
        if (f.tsA)
            if (const auto row = flushRow(m_sourceA, f.vm, f.flushId))
                differentA.push_back({"flush", *row});
        if (f.tsB)
            if (const auto row = flushRow(*m_sourceB, f.vm, f.flushId))
                differentB.push_back({"flush", *row});
    }
    m_timelineA.setHighlightedRows(std::move(differentA));
    m_timelineB->setHighlightedRows(std::move(differentB));
    if (const std::optional<analyzer::Divergence>& d = m_comparison.divergence) {
        const QString name = tr("runs diverge");
        if (d->tsA)
            m_timelineA.renameMark(m_timelineA.addMarkAt(static_cast<double>(*d->tsA)), name);
        if (d->tsB)
            m_timelineB->renameMark(m_timelineB->addMarkAt(static_cast<double>(*d->tsB)), name);
    }

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
}

CompareView::~CompareView()
{
    m_timelineA.setAxisBounds(std::nullopt);
    m_timelineA.setHighlightedRows({});
}

void CompareView::activateDifference(int row)
{
    if (row < 0)
        return;
    const auto findingRows = static_cast<int>(m_comparison.findings.size());
    std::optional<std::int64_t> tsA, tsB;
    if (row < findingRows) {
        const analyzer::FindingDifference& d = m_comparison.findings[static_cast<std::size_t>(row)];
        tsA = d.tsA;
        tsB = d.tsB;
        if (d.idA)
            m_timelineA.setSelection(TimelineSelection{{"finding", *d.idA}, *d.tsA, *d.tsA, -1});
        if (d.idB)
            m_timelineB->setSelection(TimelineSelection{{"finding", *d.idB}, *d.tsB, *d.tsB, -1});
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
    m_timelineA.setVisibleRange({start - margin, end + margin}); // B follows
}

} // namespace vcm::gui

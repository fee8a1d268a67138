#include "vcm/gui/event_table_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

namespace vcm::gui {

namespace {

std::optional<std::int64_t> parseInteger(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qlonglong value = trimmed.startsWith(QLatin1String("0x"), Qt::CaseInsensitive) ? trimmed.mid(2).toLongLong(&ok, 16)
                                                                                           : trimmed.toLongLong(&ok, 10);
    return ok ? std::optional<std::int64_t>(value) : std::nullopt;
}

} // namespace

EventTablePanel::EventTablePanel(QWidget* parent) : QWidget(parent)
{
    m_model = new EventTableModel(this);
    m_table = new QComboBox(this);
    m_table->setObjectName(QStringLiteral("eventTableChooser"));
    for (const std::string& table : TraceSource::eventTables())
        m_table->addItem(QString::fromStdString(table));
    m_kind = new QLineEdit(this);
    m_kind->setPlaceholderText(tr("kind"));
    m_vm = new QLineEdit(this);
    m_vm->setPlaceholderText(tr("VM id"));
    m_vcpu = new QLineEdit(this);
    m_vcpu->setPlaceholderText(tr("vCPU id"));
    m_address = new QLineEdit(this);
    m_address->setPlaceholderText(tr("address (page)"));
    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Table"), this));
    filters->addWidget(m_table);
    for (QLineEdit* edit : {m_kind, m_vm, m_vcpu, m_address}) {
        filters->addWidget(edit);
        connect(edit, &QLineEdit::editingFinished, this, &EventTablePanel::applyFilter);
    }
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("eventTable"));
    m_view->setModel(m_model);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(0, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->setDefaultSectionSize(20);
    m_view->horizontalHeader()->setStretchLastSection(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(filters);
    layout->addWidget(m_view);
    connect(m_table, &QComboBox::currentTextChanged, this,
            [this](const QString& table) { m_model->setTable(table.toStdString()); });
    connect(m_view, &QTableView::activated, this, [this](const QModelIndex& index) {
        if (const auto id = m_model->rowId(index.row()))
            emit rowActivated(RowRef{m_model->table(), *id});
    });
}

void EventTablePanel::setSource(TraceSource* source)
{
    m_model->setSource(source);
}

void EventTablePanel::showTable(const std::string& table)
{
    m_table->setCurrentText(QString::fromStdString(table));
}

void EventTablePanel::applyFilter()
{
    m_model->setFilter({m_kind->text().trimmed(), parseInteger(m_vm->text()), parseInteger(m_vcpu->text()),
                        parseInteger(m_address->text())});
}

} // namespace vcm::gui

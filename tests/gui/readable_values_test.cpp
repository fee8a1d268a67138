// Issue 19, problem 4: the Details panel and the Events table show addresses in hex, times with units and ids by
// name (they showed 2147504128 beside 0x80005000 track labels, raw ns, agent 5 for d1v0, flush 1 beside
// flush_id 0), on a run recorded through the real pipeline (seed004-bootloader-setway under native).
#include "gui_test_support.h"

#include "vcm/gui/details_panel.h"
#include "vcm/gui/event_table_model.h"
#include "vcm/gui/main_window.h"

#include <gtest/gtest.h>

namespace vcm::gui {
namespace {

TEST(ReadableValues, DetailsAndEventsShowHexAddressesTimesWithUnitsAndNames)
{
    test::application();
    MainWindow window;
    ASSERT_TRUE(window.openDatabase(
        QString::fromStdString(test::tracedDatabase("seed004-bootloader-setway", "native").string())));
    TraceSource& source = *window.source();
    const std::int64_t id = source.database().scalar("SELECT min(id) FROM stale_read");
    const std::int64_t address =
        source.database().scalar("SELECT address FROM stale_read WHERE id = " + std::to_string(id));
    window.showRow({"stale_read", id});
    const QString details = window.details()->text();
    const QString hex = QStringLiteral("0x%1").arg(static_cast<quint64>(address), 0, 16);
    EXPECT_TRUE(details.contains(hex)) << details.toStdString();
    EXPECT_FALSE(details.contains(QString::number(address))) << "the address in decimal: " << details.toStdString();
    EXPECT_TRUE(details.contains(QStringLiteral("d1v0"))) << "the agent by name";
    EXPECT_TRUE(details.contains(QStringLiteral(" us"))) << "times with a unit";

    EventTableModel model;
    model.setSource(&source);
    model.setTable("stale_read");
    ASSERT_GT(model.rowCount(), 0);
    int addressColumn = -1;
    int agentColumn = -1;
    int tsColumn = -1;
    for (int column = 0; column < model.columnCount(); ++column) {
        const QString name = model.headerData(column, Qt::Horizontal).toString();
        addressColumn = name == QStringLiteral("address") ? column : addressColumn;
        agentColumn = name == QStringLiteral("agent") ? column : agentColumn;
        tsColumn = name == QStringLiteral("ts") ? column : tsColumn;
    }
    ASSERT_GE(addressColumn, 0);
    const QModelIndex first = model.index(0, addressColumn);
    EXPECT_TRUE(model.data(first).toString().startsWith(QStringLiteral("0x")));
    bool decimal = false;
    model.data(first, EventTableModel::StoredRole).toString().toLongLong(&decimal);
    EXPECT_TRUE(decimal) << "the stored value stays what SQLite holds";
    EXPECT_TRUE(model.data(model.index(0, agentColumn)).toString().startsWith(QStringLiteral("d1v0")));
    EXPECT_TRUE(model.data(model.index(0, tsColumn)).toString().endsWith(QStringLiteral(" us")));
}

} // namespace
} // namespace vcm::gui

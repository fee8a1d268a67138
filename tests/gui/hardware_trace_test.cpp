// vcm-gui on real KVM's own trace (a trace-cmd file of tests/reference/kvm/traces): it is ingested like a trace
// directory and opened, and the window says the run had no coherence oracle instead of looking clean.
#include "gui_test_support.h"

#include "vcm/gui/findings_model.h"
#include "vcm/gui/ingest_job.h"
#include "vcm/gui/main_window.h"
#include "vcm/gui/trace_source.h"

#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using vcm::gui::IngestJob;
using vcm::gui::MainWindow;

TEST(HardwareTrace, ATraceCmdFileIsIngestedOpenedAndSaysItHasNoOracle)
{
    vcm::gui::test::application();
    const fs::path dat = fs::temp_directory_path() / ("vcm-hardware-trace-" + std::to_string(::getpid()) + ".dat");
    const std::string command = "xz -dc '" + (fs::path(VCM_KVM_TRACES_DIR) / "6.12-neoverse-n1" /
                                              "bootloader-setway.dat.xz").string() + "' > '" + dat.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const QString database = IngestJob::databaseFor(QString::fromStdString(dat.string()));

    MainWindow window;
    QSignalSpy done(window.ingestJob(), &IngestJob::succeeded);
    window.openSource(QString::fromStdString(dat.string()));
    EXPECT_TRUE(window.statusText().startsWith(QStringLiteral("Ingesting"))) << window.statusText().toStdString();
    ASSERT_TRUE(done.wait(60000));
    QTRY_VERIFY(window.source() != nullptr);
    EXPECT_FALSE(window.source()->facts().hasOracle);
    EXPECT_TRUE(window.statusText().contains(QStringLiteral("no coherence oracle")))
        << window.statusText().toStdString();
    bool noOracleFinding = false;
    for (int row = 0; row < window.findings()->rowCount(); ++row)
        noOracleFinding |= window.findings()->finding(row).kind == QStringLiteral("no_oracle");
    EXPECT_TRUE(noOracleFinding) << "the findings say it too";
    fs::remove(dat);
    fs::remove(database.toStdString());
}

} // namespace

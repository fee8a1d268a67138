// Debian's EDK2 (ArmVirtQemu), unmodified, on the virt board under the model (hyp/scenarios/edk2-shell.toml): it
// runs in place from flash, takes the virtual timer's interrupt through the GICv2, reaches the UEFI Shell, keeps a
// variable in flash bank 1 and powers off through PSCI; a second boot from the saved bank finds the variable.
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

namespace vcm::hyp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kScenario = std::filesystem::path(VCM_SCENARIO_DIR) / "edk2-shell.toml";
// The Shell's `setvar` listing of our variable holding L"vcm".
constexpr const char* kVariableFound = "8D6A2C4E-6F1D-4B7E-9C3A-5E2F1A0B7C91 - VcmBoot - 0006 Bytes";
constexpr const char* kVariableBytes = "76 00 63 00 6D 00";

scenario::RunReport bootEdk2(std::vector<std::string> overrides, const scenario::RunHooks& hooks = {})
{
    return scenario::runScenario(scenario::loadScenario(kScenario, overrides), VCM_GUEST_DIR, nullptr, hooks);
}

void expectShellAndPowerOff(const scenario::RunReport& r)
{
    ASSERT_EQ(r.guests.size(), 1u);
    const scenario::GuestOutcome& boot = r.guests[0];
    EXPECT_EQ(boot.verdict, "PASS") << boot.fault << "\n" << boot.console;
    EXPECT_TRUE(r.completed);
    EXPECT_THAT(boot.console, HasSubstr("UEFI firmware (version"));
    EXPECT_THAT(boot.console, HasSubstr("UEFI Interactive Shell v2.2"));
    EXPECT_THAT(boot.console, HasSubstr("Shell> "));
    EXPECT_EQ(r.traps.smccc, 1u) << "`reset -s`: PSCI SYSTEM_OFF, EDK2's only call to EL2";
    EXPECT_GT(r.traps.mmio, 1000u) << "the UART, the GIC and the flash commands trap";
    EXPECT_EQ(r.staleReads, 0u);
    EXPECT_EQ(r.traps.setWay, 0u) << "EDK2 has no set/way operations";
    EXPECT_EQ(r.traps.tvmAfterCachesOn, 0u);
}

class Edk2Shell : public ::testing::TestWithParam<const char*> {};

TEST_P(Edk2Shell, ReachesTheShellAndPowersOff)
{
    const std::string policy = GetParam();
    const scenario::RunReport r = bootEdk2({"policy.name=\"" + policy + "\""});
    expectShellAndPowerOff(r);
    if (policy == "kvm") {
        // Until PrePi turns its caches on, KVM traps the VM registers; then one flush of what stage 2 has mapped,
        // which is nothing: ArmVirtQemu turns the MMU and caches on with tables in flash before its first access to
        // RAM, so no stage-2 fault has mapped a block yet. Measured: 0 pages (it was all 32768 of RAM when stage 2
        // was mapped up front), then 20 faults of 2 MiB blocks.
        EXPECT_GT(r.traps.tvm, 0u);
        EXPECT_EQ(r.flushes, 1u);
        EXPECT_EQ(r.flushPages, 0u);
        EXPECT_GT(r.traps.stage2Fault, 0u) << "KVM maps guest RAM on first touch";
    } else if (policy == "xen") {
        EXPECT_EQ(r.traps.tvm, 0u);
        EXPECT_EQ(r.flushes, 0u);
        EXPECT_GT(r.traps.stage2Fault, 0u) << "Xen populates guest RAM on first touch";
    } else if (policy == "dc-bit") {
        EXPECT_GT(r.traps.tvm, 0u) << "HCR.TVM until PrePi's SCTLR write turns the MMU on, then HCR.DC goes";
        EXPECT_EQ(r.flushes, 0u);
    } else {
        EXPECT_EQ(r.traps.tvm, 0u) << "FEAT_S2FWB: KVM needs neither TVM nor a caches-on flush";
        EXPECT_EQ(r.flushes, 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Policies, Edk2Shell, ::testing::Values("xen", "kvm", "kvm-fwb", "dc-bit"));

TEST(Edk2Variables, ASecondBootFindsTheVariableTheFirstWroteToFlash)
{
    const std::filesystem::path saved =
        std::filesystem::temp_directory_path() / ("vcm-edk2-vars-" + std::to_string(::getpid()) + ".fd");
    scenario::RunHooks hooks;
    hooks.saveFlash1 = saved;
    const scenario::RunReport first = bootEdk2({}, hooks);
    expectShellAndPowerOff(first);
    EXPECT_THAT(first.guests[0].console, HasSubstr("Unable to get")) << "Debian's empty store has no VcmBoot";
    EXPECT_THAT(first.guests[0].console, Not(HasSubstr(kVariableFound)));
    ASSERT_EQ(std::filesystem::file_size(saved), 64u << 20) << "the whole bank is saved";

    const scenario::RunReport second = bootEdk2({"vm.d1.board.flash1=\"" + saved.string() + "\""});
    std::filesystem::remove(saved);
    expectShellAndPowerOff(second);
    EXPECT_THAT(second.guests[0].console, HasSubstr(kVariableFound));
    EXPECT_THAT(second.guests[0].console, HasSubstr(kVariableBytes));
}

TEST(Edk2Variables, SavingOverANonRegularFileIsRefused)
{
    scenario::RunHooks hooks;
    hooks.saveFlash1 = std::filesystem::temp_directory_path(); // a directory
    try {
        // A tiny budget: the refusal comes after the run, whatever the guest got to.
        bootEdk2({"run.instruction_budget=1000"}, hooks);
        ADD_FAILURE() << "saving flash bank 1 over a directory was accepted";
    } catch (const scenario::ScenarioError& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("not a regular file"));
    }
    EXPECT_TRUE(std::filesystem::is_directory(hooks.saveFlash1));
}

} // namespace
} // namespace vcm::hyp

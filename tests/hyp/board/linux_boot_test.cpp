// Debian's arm64 Linux 6.1, unmodified, booted directly on the virt board under the model (hyp/scenarios/
// linux-boot.toml): two vCPUs come up through PSCI, the GIC and the arch timer, the kernel runs our init from its
// initramfs, init checks a buffer through the modelled caches and powers the machine off.
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include <unistd.h>

namespace vcm::hyp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kScenarios = VCM_SCENARIO_DIR;

scenario::RunReport bootLinux(const std::string& policy)
{
    const scenario::Scenario s =
        scenario::loadScenario(kScenarios / "linux-boot.toml", {"policy.name=\"" + policy + "\""});
    return scenario::runScenario(s, VCM_GUEST_DIR);
}

class LinuxBoot : public ::testing::TestWithParam<const char*> {};

TEST_P(LinuxBoot, ReachesInitWhichChecksItsBufferAndPowersOff)
{
    const scenario::RunReport r = bootLinux(GetParam());
    ASSERT_EQ(r.guests.size(), 2u);
    const scenario::GuestOutcome& boot = r.guests[0];
    EXPECT_EQ(boot.verdict, "PASS") << boot.fault << "\n" << boot.console;
    EXPECT_EQ(r.guests[1].verdict, "OFF") << r.guests[1].fault;
    EXPECT_TRUE(r.completed);
    EXPECT_THAT(boot.console, HasSubstr("Linux version 6.1.0-50-arm64"));
    EXPECT_THAT(boot.console, HasSubstr("smp: Brought up 1 node, 2 CPUs")) << "PSCI CPU_ON brought vCPU 1 up";
    EXPECT_THAT(boot.console, HasSubstr("Root IRQ handler: gic_handle_irq"));
    EXPECT_THAT(boot.console, HasSubstr("vcm-init: started on Linux 6.1.0-50-arm64"));
    EXPECT_THAT(boot.console, HasSubstr("vcm-init: buffer of 262144 words checked, 0 wrong"));
    EXPECT_THAT(boot.console, HasSubstr("reboot: Power down")) << "reboot(RB_POWER_OFF): PSCI SYSTEM_OFF";
    EXPECT_EQ(r.staleReads, 0u);
    EXPECT_EQ(r.traps.tvmAfterCachesOn, 0u) << "no policy keeps TVM on once a vCPU's caches are on";
    const std::string policy = GetParam();
    if (policy == "kvm") {
        // KVM traps the VM registers until the kernel turns its caches on (kvm_toggle_cache), then flushes what
        // stage 2 has mapped so far once per vCPU (stage2_flush_vm) and stops trapping. RAM is mapped on first
        // touch in 2 MiB blocks. Measured: 36 faults, 13'824 pages flushed (27 blocks over the two flushes).
        EXPECT_GT(r.traps.tvm, 0u);
        EXPECT_EQ(r.flushes, 2u) << "one caches-on flush per vCPU";
        EXPECT_GT(r.traps.stage2Fault, 0u);
        EXPECT_GT(r.flushPages, 0u);
        EXPECT_EQ(r.flushPages % 512, 0u) << "whole 2 MiB blocks";
        EXPECT_LE(r.flushPages, 2 * 512 * r.traps.stage2Fault) << "at most the blocks faulted in, twice";
    } else if (policy == "xen" || policy == "kvm-fwb" || policy == "native") {
        EXPECT_EQ(r.traps.tvm, 0u) << "Xen traps the VM registers only after set/way operations, which Linux has none of";
        EXPECT_EQ(r.flushes, 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Policies, LinuxBoot, ::testing::Values("native", "xen", "kvm", "kvm-fwb", "dc-bit"));

// Forced migration with a real kernel: at a fifth of slice ends a vCPU moves to another core, its dirty lines
// left in the old core's L1; the caches stay coherent and the boot completes as without it.
TEST(LinuxBootMigrating, ReachesInitUnderKvmWithVcpusMovedBetweenCores)
{
    const scenario::RunReport r = scenario::runScenario(
        scenario::loadScenario(kScenarios / "linux-boot.toml",
                               {"policy.name=\"kvm\"", "scheduler.forced_migration_percent=20"}),
        VCM_GUEST_DIR);
    EXPECT_EQ(r.guests.at(0).verdict, "PASS") << r.guests.at(0).fault;
    EXPECT_THAT(r.guests.at(0).console, HasSubstr("vcm-init: buffer of 262144 words checked, 0 wrong"));
    EXPECT_GT(r.migrations, 1000u);
    EXPECT_EQ(r.staleReads, 0u);
    EXPECT_EQ(r.clobbers, 0u);
}

// The second way to Linux: Debian's U-Boot loads nothing itself; `booti` starts the Image the toolstack placed,
// after cleaning its caches by set/way (cleanup_before_linux). Under xen and kvm the set/way operations trap and
// reach everything; under native the default 4 MiB system cache keeps what U-Boot wrote just before turning its
// caches off, U-Boot reads it back stale from RAM, and the kernel never starts: seed 004 on a real boot path.
scenario::RunReport bootLinuxThroughUboot(const std::string& policy, std::vector<std::string> overrides = {})
{
    overrides.push_back("policy.name=\"" + policy + "\"");
    return scenario::runScenario(scenario::loadScenario(kScenarios / "linux-uboot-booti.toml", overrides),
                                 VCM_GUEST_DIR);
}

class LinuxThroughUboot : public ::testing::TestWithParam<const char*> {};

TEST_P(LinuxThroughUboot, BootiStartsTheKernelWhichReachesInit)
{
    const std::string policy = GetParam();
    const scenario::RunReport r = bootLinuxThroughUboot(policy);
    ASSERT_EQ(r.guests.size(), 2u);
    const scenario::GuestOutcome& boot = r.guests[0];
    EXPECT_EQ(boot.verdict, "PASS") << boot.fault << "\n" << boot.console;
    EXPECT_THAT(boot.console, HasSubstr("Starting kernel ..."));
    EXPECT_THAT(boot.console, HasSubstr("smp: Brought up 1 node, 2 CPUs"));
    EXPECT_THAT(boot.console, HasSubstr("vcm-init: buffer of 262144 words checked, 0 wrong"));
    EXPECT_EQ(r.staleReads, 0u);
    EXPECT_EQ(r.traps.tvmAfterCachesOn, 0u);
    if (policy == "kvm") {
        // KVM 6.12 shows one set of one way per level (HCR_EL2.TID2): each of dcache_disable's walks is one DC
        // CISW per level it finds in the fabricated CLIDR_EL1.
        EXPECT_GT(r.traps.cacheIdRegister, 0u);
        EXPECT_GT(r.traps.setWay, 0u);
        EXPECT_LT(r.traps.setWay, 10u);
        EXPECT_GE(r.flushes, 2u) << "set/way and caches-on flushes of what stage 2 has mapped";
    } else {
        EXPECT_GT(r.traps.setWay, 10'000u) << "U-Boot's dcache_disable walks every set and way of L1 and L2, twice";
    }
}

INSTANTIATE_TEST_SUITE_P(Policies, LinuxThroughUboot, ::testing::Values("xen", "kvm"));

TEST(LinuxThroughUboot, UnderNativeASystemCacheKeepsWhatSetWayMissedAndTheKernelNeverStarts)
{
    const scenario::RunReport r = bootLinuxThroughUboot("native");
    const scenario::GuestOutcome& boot = r.guests.at(0);
    EXPECT_THAT(boot.console, HasSubstr("Starting kernel ..."));
    EXPECT_THAT(boot.console, Not(HasSubstr("Booting Linux"))) << "the jump to the kernel goes astray";
    EXPECT_GT(r.staleReads, 0u) << "U-Boot reads back, from RAM, data its set/way clean left in the system cache";
    EXPECT_EQ(r.traps.setWay, 0u) << "native: set/way runs on the core's own caches, L1 and L2 only";

    const scenario::RunReport withoutSystemCache =
        bootLinuxThroughUboot("native", {"machine.system_cache.size_kib=0"});
    EXPECT_EQ(withoutSystemCache.guests.at(0).verdict, "PASS") << withoutSystemCache.guests.at(0).console;
    EXPECT_EQ(withoutSystemCache.staleReads, 0u) << "with nothing beyond the PoU, set/way reaches RAM";
}

// A direct boot checks what a firmware would: the Image header and the initramfs format, naming the file.
class DirectBootInput : public ::testing::Test {
protected:
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("vcm-direct-boot-" + std::to_string(::getpid()));
    void SetUp() override { std::filesystem::create_directories(dir); }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path file(const std::string& name, const std::string& bytes)
    {
        const auto path = dir / name;
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
    std::string runError(const std::filesystem::path& kernel, const std::filesystem::path& initrd)
    {
        const auto scenario = file("boot.toml", "name = \"t\"\ndescription = \"t\"\n[[vm]]\nname = \"d1\"\nram_mib = 64\n"
                                                "[vm.board]\nkernel = { file = \"" + kernel.string() +
                                                    "\", ipa = 0x40200000 }\ninitrd = { file = \"" + initrd.string() +
                                                    "\", ipa = 0x43000000 }\n");
        try {
            scenario::runScenario(scenario::loadScenario(scenario), VCM_GUEST_DIR);
        } catch (const scenario::ScenarioError& e) {
            return e.what();
        }
        return "no error";
    }
};

TEST_F(DirectBootInput, AKernelWithoutAnArm64ImageHeaderIsNamed)
{
    const auto kernel = file("vmlinuz.gz", std::string("\x1f\x8b\x08\x00") + std::string(4096, 'x'));
    const auto initrd = file("initrd", "070701" + std::string(200, '0'));
    const std::string error = runError(kernel, initrd);
    EXPECT_THAT(error, HasSubstr(kernel.string()));
    EXPECT_THAT(error, HasSubstr("is not an arm64 Image"));
}

TEST_F(DirectBootInput, AnInitrdThatIsNotAnInitramfsIsNamed)
{
    std::string image(4096, '\0');
    image.replace(56, 4, "ARM\x64");
    const auto kernel = file("Image", image);
    const auto initrd = file("initrd.txt", "this is not a cpio archive");
    const std::string error = runError(kernel, initrd);
    EXPECT_THAT(error, HasSubstr(initrd.string()));
    EXPECT_THAT(error, HasSubstr("is not an initramfs"));
}

TEST_F(DirectBootInput, AKernelOffItsTextOffsetIsRefused)
{
    std::string image(4096, '\0');
    image.replace(56, 4, "ARM\x64");
    const auto kernel = file("Image", image);
    const auto initrd = file("initrd", "070701" + std::string(200, '0'));
    const auto scenario = file("off.toml", "name = \"t\"\ndescription = \"t\"\n[[vm]]\nname = \"d1\"\nram_mib = 64\n"
                                           "[vm.board]\nkernel = { file = \"" + kernel.string() +
                                               "\", ipa = 0x40201000 }\n");
    try {
        scenario::runScenario(scenario::loadScenario(scenario), VCM_GUEST_DIR);
        ADD_FAILURE() << "a kernel 4 KiB off a 2 MiB boundary was accepted";
    } catch (const scenario::ScenarioError& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("above a 2 MiB boundary"));
    }
}

} // namespace
} // namespace vcm::hyp

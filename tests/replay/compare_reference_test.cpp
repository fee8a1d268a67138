// vcm compare-reference: each reference guest under vcm against real KVM's trace of the same image, on every
// recorded kernel and CPU (tests/reference/kvm/traces), with the policy variant that mirrors that kernel. The
// guest images must be the ones recorded (guests.sha256 of each combination); a wrong variant must show the first
// difference with both contexts.
#include "../analyzer/vcm_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;
using vcm::testing::CommandResult;

const fs::path kTraces = VCM_KVM_TRACES_DIR;
const fs::path kGuests = VCM_GUEST_DIR;

fs::path work()
{
    return vcm::testing::scratchDirectory("vcm-compare-reference-test");
}

CommandResult vcm(const std::string& arguments)
{
    return vcm::testing::runVcm(arguments, work());
}

fs::path traceFile(const std::string& combination, const std::string& guest)
{
    const fs::path dat = work() / (combination + "-" + guest + ".dat");
    if (!fs::exists(dat)) {
        const std::string command = "xz -dc '" + (kTraces / combination / (guest + ".dat.xz")).string() + "' > '" +
                                    dat.string() + "'";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
    }
    return dat;
}

// The policy variant each recorded kernel and CPU is held to (docs/kvm-reference.md).
std::string policyFor(const std::string& combination)
{
    if (combination.starts_with("6.1-"))
        return "kvm-6.1";
    return combination == "6.12-max" ? "kvm-fwb" : "kvm";
}

TEST(CompareReference, TheImagesRecordedAreTheImagesBuilt)
{
    for (const char* combination : {"6.1-neoverse-n1", "6.1-cortex-a57", "6.12-neoverse-n1", "6.12-cortex-a57",
                                    "6.12-max"}) {
        SCOPED_TRACE(combination);
        const std::string command =
            "cd '" + kGuests.string() + "' && sha256sum --quiet -c '" + (kTraces / combination / "guests.sha256").string() + "'";
        EXPECT_EQ(std::system(command.c_str()), 0)
            << "the guest images changed since the traces were recorded: run tests/reference/kvm/record.sh";
    }
}

TEST(CompareReference, EveryReferenceGuestMatchesRealKvmOnEveryKernelAndCpu)
{
    int compared = 0;
    for (const char* combination : {"6.1-neoverse-n1", "6.1-cortex-a57", "6.12-neoverse-n1", "6.12-cortex-a57",
                                    "6.12-max"})
        for (const char* guest : {"bootloader-setway", "caches-on-shadow", "boot-handoff", "linux-like"}) {
            SCOPED_TRACE(std::string(combination) + " " + guest);
            const std::string cpu = std::string(combination).substr(std::string(combination).find('-') + 1);
            const CommandResult r = vcm("compare-reference " + traceFile(combination, guest).string() + " " + guest +
                                        " --policy " + policyFor(combination) + " --cpu " + cpu);
            EXPECT_EQ(r.status, 0) << r.output;
            EXPECT_THAT(r.output, HasSubstr("equal: "));
            // Stage-2 faults are steps too: vcm maps RAM on demand as user_mem_abort does and takes as many faults,
            // one of them (the first data access to the entry's page or block) where real KVM took an instruction
            // abort, which vcm's engine cannot take. Measured: 14, 10, 14, 22 faults on 6.1 (pages), 1 or 2 on 6.12.
            std::smatch m;
            const std::regex counts(R"(stage-2 faults: real (\d+) \((\d+) on instruction fetches, set aside\), vcm (\d+) \((\d+) in)");
            ASSERT_TRUE(std::regex_search(r.output, m, counts)) << r.output;
            EXPECT_EQ(m[1], m[3]) << "as many faults under vcm as under real KVM";
            EXPECT_EQ(m[2], "1") << "real KVM's first fault is the instruction abort at the entry";
            EXPECT_EQ(m[4], "1") << "vcm's fault in that block is the one set aside";
            ++compared;
        }
    EXPECT_EQ(compared, 20);
}

// 6.1's set/way loop walks the CPU's geometry: 512 + 32768 DC CISW on cortex-a57, every one a step (besides its
// traps, flushes, exits and 13 stage-2 faults compared).
TEST(CompareReference, SixPointOneTrapsEverySetWayOperationOfTheRealGeometry)
{
    const CommandResult r = vcm("compare-reference " + traceFile("6.1-cortex-a57", "bootloader-setway").string() +
                                " bootloader-setway --policy kvm-6.1 --cpu cortex-a57");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_THAT(r.output, testing::ContainsRegex("equal: 33[0-9]{3} steps"));
}

// The wrong variant for the kernel: 6.12 traps CLIDR_EL1 to fake the geometry, kvm-6.1 does not. (With 6.1's own
// 4 KiB mappings the first difference would be its page faults, see below: the block size is set to 6.12's.)
TEST(CompareReference, TheWrongVariantShowsTheFirstDifferenceWithBothContexts)
{
    const CommandResult r = vcm("compare-reference " + traceFile("6.12-cortex-a57", "bootloader-setway").string() +
                                " bootloader-setway --policy kvm-6.1 --cpu cortex-a57 --set stage2_block_kib=2048");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("DIFFERENT at step #"));
    EXPECT_THAT(r.output, testing::ContainsRegex("real KVM:\n(.*\n)*  > #[0-9]+ +[0-9]+ ns  trap CLIDR_EL1 read"));
    EXPECT_THAT(r.output, testing::ContainsRegex("vcm:\n(.*\n)*  > #[0-9]+ +[0-9]+ ns  trap DC CISW"));
    EXPECT_THAT(r.output, HasSubstr("stage-2 faults: real "));
}

// The wrong mapping size: 6.1 faulted page by page, so 2 MiB blocks under kvm-6.1 miss its data faults.
TEST(CompareReference, AWrongStageTwoBlockSizeDiffersAtTheFirstDataFault)
{
    const CommandResult r = vcm("compare-reference " + traceFile("6.1-neoverse-n1", "bootloader-setway").string() +
                                " bootloader-setway --policy kvm-6.1 --cpu neoverse-n1 --set stage2_block_kib=2048");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_THAT(r.output, testing::ContainsRegex("real KVM:\n  > #0 +[0-9]+ ns  stage-2 fault on IPA page 0x40001000"));
    EXPECT_THAT(r.output, testing::ContainsRegex("vcm:\n  > #0 +[0-9]+ ns  trap MAIR_EL1 write"));
    const CommandResult bad = vcm("compare-reference " + traceFile("6.1-neoverse-n1", "bootloader-setway").string() +
                                  " bootloader-setway --policy kvm-6.1 --cpu neoverse-n1 --set stage2_block_kib=3");
    EXPECT_EQ(bad.status, 2) << bad.output;
    EXPECT_THAT(bad.output, HasSubstr("stage2_block_kib must be 4, 2048 or 1048576"));
}

TEST(CompareReference, UnusableInputExitsTwo)
{
    const std::string dat = traceFile("6.12-max", "linux-like").string();
    const CommandResult cpu = vcm("compare-reference " + dat + " linux-like --policy kvm-fwb --cpu cortex-a72");
    EXPECT_EQ(cpu.status, 2) << cpu.output;
    EXPECT_THAT(cpu.output, HasSubstr("CPU 'cortex-a72': the reference CPUs are cortex-a57, neoverse-n1, max"));
    const CommandResult guest = vcm("compare-reference " + dat + " no-such-guest --policy kvm-fwb --cpu max");
    EXPECT_EQ(guest.status, 2) << guest.output;
    EXPECT_THAT(guest.output, HasSubstr("no-such-guest"));
    const CommandResult noKvm = vcm("compare-reference " + traceFile("6.12-max", "no-kvm-events").string() +
                                    " linux-like --policy kvm-fwb --cpu max");
    EXPECT_EQ(noKvm.status, 2) << noKvm.output;
    EXPECT_THAT(noKvm.output, HasSubstr("none of them kvm"));
}

} // namespace

// Interrupts on the virt board, end to end: a guest of ours takes the virtual timer's PPI and SGIs between two
// vCPUs through the GICv2 and its own vector table; the scheduler sleeps vCPUs in WFI and wakes them on what
// the GIC signals, in virtual time.
#include "../guest_boot.h"

#include "vcm/hyp/board/virt_board.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

namespace vcm::hyp {
namespace {

using testing::reported;

struct GicRun {
    MachineRun run;
    std::uint64_t interruptsTaken[2] = {0, 0};
};

// A guest of ours on a two-vCPU virt board (it runs from RAM; flash bank 0 only has to hold something), run
// to `budget`; `stopAfter` instructions, when given, end it as Ctrl-C does (a progress callback saying stop).
GicRun runOnBoard(const char* guest, std::uint64_t budget, std::optional<std::uint64_t> stopAfter = std::nullopt)
{
    const GuestImage image = GuestImage::load(testing::guestPath(guest));
    board::VirtBoard board(image.bytes, 2, [](char, std::uint64_t) {});
    Machine machine(MachineConfig{});
    cpu::TrapHandler passThrough;
    VmSpec spec;
    spec.name = "d1";
    spec.vcpuCores = {0, 1};
    spec.secondariesStartOff = true;
    spec.board = &board.bus();
    const std::size_t vm = machine.createVm(spec, passThrough);
    machine.loadImage(vm, VCM_GUEST_RAM_BASE, image.bytes);
    if (stopAfter)
        machine.onProgress([limit = *stopAfter](const Machine::Progress& p) { return p.instructions < limit; });
    GicRun result{machine.run(budget)};
    for (std::size_t i = 0; i < 2; ++i)
        result.interruptsTaken[i] = machine.vcpu(vm, i).interruptsTaken();
    return result;
}

GicRun runGicGuest()
{
    return runOnBoard("gic-interrupts", 50'000'000);
}

TEST(Interrupts, TimerAndSoftwareInterruptsReachTheGuestThroughTheGic)
{
    const GicRun r = runGicGuest();
    const VcpuSummary& boot = r.run.vcpus.at(0);
    const VcpuSummary& secondary = r.run.vcpus.at(1);
    ASSERT_TRUE(boot.exited) << boot.fault << "\n" << boot.console << "\nsecondary: " << secondary.fault << " instructions " << secondary.instructions << " slices " << secondary.slices << " on " << secondary.poweredOn;
    EXPECT_EQ(boot.exitCode, 0u) << boot.console;
    EXPECT_TRUE(secondary.fault.empty()) << secondary.fault;
    EXPECT_EQ(reported(boot.console, "gicd typer"), 0x28u) << "288 lines, two CPU interfaces";
    // PSTATE.I is respected, and WFI wakes on a masked interrupt (Arm ARM D1.16.2).
    EXPECT_EQ(reported(boot.console, "ticks while masked"), 0u);
    EXPECT_EQ(reported(boot.console, "ticks after masked wfi"), 0u);
    EXPECT_EQ(reported(boot.console, "ticks after unmask"), 1u) << "taken right after DAIFClr";
    // A periodic timer: five ticks of 1000 counter ticks, asleep between them, in virtual time.
    EXPECT_EQ(reported(boot.console, "periodic ticks"), 5u);
    EXPECT_GE(reported(boot.console, "periodic waits"), 5u);
    const std::uint64_t elapsed = reported(boot.console, "periodic elapsed");
    EXPECT_GE(elapsed, 5'000u);
    EXPECT_LT(elapsed, 5'000u + 5 * 300u) << "each tick taken within 300 counter ticks (three trapped GIC accesses)";
    // SGIs: three from vCPU 0 to vCPU 1 (source 0), one back from vCPU 1 (source 1, SGI 2).
    EXPECT_EQ(reported(boot.console, "sgis at cpu1"), 3u);
    EXPECT_EQ(reported(boot.console, "sgi source at cpu1"), 0u);
    EXPECT_EQ(reported(boot.console, "sgis at cpu0"), 1u);
    EXPECT_EQ(reported(boot.console, "sgi id at cpu0"), 2u);
    EXPECT_EQ(reported(boot.console, "sgi source at cpu0"), 1u);
    EXPECT_EQ(r.interruptsTaken[0], 1u + 5u + 1u) << "one masked tick, five periodic, one SGI";
    EXPECT_EQ(r.interruptsTaken[1], 3u);
    EXPECT_FALSE(secondary.poweredOn) << "CPU_OFF after answering";
}

TEST(Interrupts, TheSameRunTwiceIsTheSameRun)
{
    const GicRun a = runGicGuest();
    const GicRun b = runGicGuest();
    EXPECT_EQ(a.run.vcpus.at(0).console, b.run.vcpus.at(0).console);
    EXPECT_EQ(a.run.instructions, b.run.instructions);
    EXPECT_EQ(a.run.vcpus.at(1).slices, b.run.vcpus.at(1).slices);
}

// WFI with no timer armed, nothing pending and no other vCPU: nothing can ever wake it. The run ends there and
// says so, rather than spinning to its budget.
TEST(Interrupts, AWaitNothingCanEndStopsTheRunWithAMessage)
{
    const std::vector<std::uint32_t> code{
        0xd50342df, // msr daifset, #2
        0xd503207f, // 1: wfi
        0x17ffffff, // b 1b
    };
    std::vector<std::uint8_t> image(code.size() * 4);
    std::memcpy(image.data(), code.data(), image.size());
    board::VirtBoard board(image, 1, [](char, std::uint64_t) {});
    Machine machine(MachineConfig{});
    cpu::TrapHandler passThrough;
    VmSpec spec;
    spec.name = "d1";
    spec.board = &board.bus();
    const std::size_t vm = machine.createVm(spec, passThrough);
    machine.loadImage(vm, VCM_GUEST_RAM_BASE, image);
    const MachineRun run = machine.run(10'000'000);
    EXPECT_FALSE(run.allExited);
    EXPECT_LT(run.instructions, 100u) << "it slept instead of spinning";
    EXPECT_THAT(run.vcpus.at(0).fault, ::testing::HasSubstr("d1v0: waits in WFI/WFE for an interrupt that nothing will raise"));
}

// A storm: the timer re-armed to fire at once from its own handler, an SGI to itself from every IRQ, and the
// other vCPU sending SGIs in a loop. The guest never exits; the budget ends the run, and so does a progress
// callback saying stop (what Ctrl-C does in `vcm run`), each with the run's summary.
TEST(Interrupts, AStormOfInterruptsEndsAtTheBudget)
{
    const GicRun r = runOnBoard("interrupt-storm", 5'000'000);
    const VcpuSummary& boot = r.run.vcpus.at(0);
    EXPECT_FALSE(boot.exited);
    EXPECT_TRUE(boot.fault.empty()) << boot.fault;
    EXPECT_TRUE(r.run.vcpus.at(1).poweredOn) << "the SGI sender runs until the end";
    EXPECT_GE(r.run.instructions, 5'000'000u);
    EXPECT_LT(r.run.instructions, 5'000'000u + 2 * 20'000u) << "at most one slice per vCPU past the budget";
    EXPECT_GT(r.interruptsTaken[0], 100u) << "the storm was taken, interrupt after interrupt";
}

TEST(Interrupts, AStormOfInterruptsEndsWhenTheRunIsInterrupted)
{
    const GicRun r = runOnBoard("interrupt-storm", 1'000'000'000, 2'000'000);
    EXPECT_GE(r.run.instructions, 2'000'000u);
    EXPECT_LT(r.run.instructions, 2'000'000u + 20'000u) << "the run ends after the slice that crossed the mark";
    EXPECT_FALSE(r.run.vcpus.at(0).exited);
    EXPECT_GT(r.interruptsTaken[0], 10u);
}

} // namespace
} // namespace vcm::hyp

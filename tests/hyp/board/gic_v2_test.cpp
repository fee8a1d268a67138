// The GICv2 on its own, through its two register windows as a guest sees them (Arm IHI 0048B): routing,
// priority, masking, preemption, level and edge semantics, SGIs with their sources, and the EOImode split.
#include "vcm/hyp/board/gic_v2.h"

#include <gtest/gtest.h>

namespace vcm::hyp::board {
namespace {

class Gic : public ::testing::Test {
protected:
    Gicv2 gic{2};
    std::uint64_t readDist(std::uint64_t offset, std::uint32_t cpu = 0, unsigned bytes = 4)
    {
        return gic.distributor().read(offset, bytes, MmioAccess{cpu, 0});
    }
    void writeDist(std::uint64_t offset, std::uint64_t value, std::uint32_t cpu = 0, unsigned bytes = 4)
    {
        gic.distributor().write(offset, bytes, value, MmioAccess{cpu, 0});
    }
    std::uint32_t cpuif(std::uint64_t offset, std::uint32_t cpu)
    {
        return static_cast<std::uint32_t>(gic.cpuInterface().read(offset, 4, MmioAccess{cpu, 0}));
    }
    void cpuif(std::uint64_t offset, std::uint32_t value, std::uint32_t cpu)
    {
        gic.cpuInterface().write(offset, 4, value, MmioAccess{cpu, 0});
    }
    // Distributor and both CPU interfaces on, PMR letting every implemented priority through.
    void enable()
    {
        writeDist(Gicv2::kCtlr, 1);
        for (std::uint32_t cpu = 0; cpu < 2; ++cpu) {
            cpuif(Gicv2::kPmr, 0xff, cpu);
            cpuif(Gicv2::kCpuCtlr, 1, cpu);
        }
    }
    void enableSpi(std::uint32_t intid, std::uint8_t priority, std::uint8_t targets)
    {
        writeDist(Gicv2::kIsenabler + intid / 32 * 4, 1u << (intid % 32));
        writeDist(Gicv2::kIpriorityr + intid, priority, 0, 1);
        writeDist(Gicv2::kItargetsr + intid, targets, 0, 1);
    }
};

TEST_F(Gic, DescribesItselfAndBanksTheTargetsOfPrivateInterrupts)
{
    EXPECT_EQ(readDist(Gicv2::kTyper), 8u | (1u << 5)) << "288 lines (ITLinesNumber 8), two CPUs";
    EXPECT_EQ(readDist(Gicv2::kItargetsr, 0), 0x01010101u) << "each CPU reads its own bit (Linux's gic_get_cpumask)";
    EXPECT_EQ(readDist(Gicv2::kItargetsr, 1), 0x02020202u);
    EXPECT_EQ(readDist(0xfe8) & 0xf0, 0x20u) << "PIDR2.ArchRev: GICv2";
    EXPECT_EQ(readDist(Gicv2::kIsenabler), 0xffffu) << "SGIs are always enabled";
    writeDist(Gicv2::kIcenabler, 0xffffffffu);
    EXPECT_EQ(readDist(Gicv2::kIsenabler), 0xffffu);
}

TEST_F(Gic, ASharedInterruptGoesToItsTargetHighestPriorityFirst)
{
    enable();
    enableSpi(40, 0xa0, 0b10);
    enableSpi(41, 0x80, 0b10);
    gic.setSharedLevel(40, true);
    gic.setSharedLevel(41, true);
    EXPECT_FALSE(gic.irqSignalled(0)) << "not a target";
    EXPECT_TRUE(gic.irqSignalled(1));
    EXPECT_EQ(cpuif(Gicv2::kHppir, 1), 41u);
    EXPECT_EQ(cpuif(Gicv2::kIar, 1), 41u) << "0x80 beats 0xa0";
    EXPECT_EQ(cpuif(Gicv2::kRpr, 1), 0x80u);
    EXPECT_FALSE(gic.irqSignalled(1)) << "0xa0 does not preempt a running 0x80";
    gic.setSharedLevel(41, false);
    cpuif(Gicv2::kEoir, 41, 1);
    EXPECT_EQ(cpuif(Gicv2::kRpr, 1), 0xffu) << "idle again";
    EXPECT_EQ(cpuif(Gicv2::kIar, 1), 40u);
    EXPECT_EQ(cpuif(Gicv2::kIar, 1), Gicv2::kSpurious);
}

TEST_F(Gic, ALevelSensitiveLineStillHighIsActiveAndPendingUntilDeactivated)
{
    enable();
    enableSpi(50, 0x40, 0b01);
    gic.setSharedLevel(50, true);
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), 50u);
    EXPECT_NE(readDist(Gicv2::kIspendr + 4) & (1u << 18), 0u) << "active and pending: the line is still high";
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), Gicv2::kSpurious) << "an active interrupt is not handed out again";
    cpuif(Gicv2::kEoir, 50, 0);
    EXPECT_TRUE(gic.irqSignalled(0)) << "deactivated with the line high: pending again";
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), 50u);
    gic.setSharedLevel(50, false);
    cpuif(Gicv2::kEoir, 50, 0);
    EXPECT_FALSE(gic.irqSignalled(0)) << "a level interrupt is not latched";
}

TEST_F(Gic, AnEdgeIsLatchedAndClearedByAcknowledgeOrIcpendr)
{
    enable();
    enableSpi(60, 0x40, 0b01);
    writeDist(Gicv2::kIcfgr + 60 / 16 * 4, 2u << (2 * (60 % 16))); // edge-triggered
    gic.setSharedLevel(60, true);
    gic.setSharedLevel(60, false);
    EXPECT_TRUE(gic.irqSignalled(0)) << "the rising edge was latched";
    writeDist(Gicv2::kIcpendr + 4, 1u << (60 - 32));
    EXPECT_FALSE(gic.irqSignalled(0));
    gic.setSharedLevel(60, true);
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), 60u);
    cpuif(Gicv2::kEoir, 60, 0);
    EXPECT_FALSE(gic.irqSignalled(0)) << "no new edge while the line stays high";
}

TEST_F(Gic, PriorityMaskAndPreemptionByGroupPriority)
{
    enable();
    enableSpi(70, 0x80, 0b01);
    enableSpi(71, 0x40, 0b01);
    cpuif(Gicv2::kPmr, 0x80, 0);
    gic.setSharedLevel(70, true);
    EXPECT_FALSE(gic.irqSignalled(0)) << "priority 0x80 is not above a mask of 0x80";
    cpuif(Gicv2::kPmr, 0xf0, 0);
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), 70u);
    gic.setSharedLevel(71, true);
    EXPECT_TRUE(gic.irqSignalled(0)) << "0x40 preempts a running 0x80";
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), 71u);
    EXPECT_EQ(cpuif(Gicv2::kRpr, 0), 0x40u);
    gic.setSharedLevel(70, false);
    gic.setSharedLevel(71, false);
    cpuif(Gicv2::kEoir, 71, 0);
    EXPECT_EQ(cpuif(Gicv2::kRpr, 0), 0x80u) << "back to the preempted one";
    cpuif(Gicv2::kEoir, 70, 0);
    // Binary point 7: no bit of the priority is group priority, so nothing preempts anything.
    cpuif(Gicv2::kBpr, 7, 0);
    gic.setSharedLevel(70, true);
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), 70u);
    gic.setSharedLevel(71, true);
    EXPECT_FALSE(gic.irqSignalled(0));
}

TEST_F(Gic, SoftwareInterruptsNameTheirSourceAndHonourTheTargetFilter)
{
    enable();
    writeDist(Gicv2::kSgir, (0b10u << 16) | 3, 0); // SGI 3 from CPU 0 to CPU 1 by target list
    EXPECT_FALSE(gic.irqSignalled(0));
    EXPECT_TRUE(gic.irqSignalled(1));
    writeDist(Gicv2::kSgir, (1u << 24) | 3, 0); // again, to every CPU but the sender: CPU 1 has it from CPU 0 already
    writeDist(Gicv2::kSgir, (2u << 24) | 3, 1); // SGI 3 from CPU 1 to itself
    EXPECT_EQ(readDist(Gicv2::kSpendsgir, 1) >> 24, 0b11u) << "SGI 3 (byte 3) pending from both sources";
    EXPECT_EQ(cpuif(Gicv2::kIar, 1), 3u) << "the lowest source first (CPUID 0)";
    cpuif(Gicv2::kEoir, 3, 1);
    EXPECT_EQ(cpuif(Gicv2::kIar, 1), 3u | (1u << 10)) << "then CPU 1's, with CPUID 1 in bits [12:10]";
    cpuif(Gicv2::kEoir, 3u | (1u << 10), 1);
    EXPECT_FALSE(gic.irqSignalled(1));
    writeDist(Gicv2::kSgir, (0b01u << 16) | 5, 1);
    writeDist(Gicv2::kCpendsgir + 4, 0b10u << 8, 0); // SGI 5 at CPU 0: clear source 1
    EXPECT_FALSE(gic.irqSignalled(0));
}

TEST_F(Gic, WithEoiModeTheEndOfInterruptDropsPriorityAndDirDeactivates)
{
    enable();
    cpuif(Gicv2::kCpuCtlr, 1 | (1u << 9), 0);
    enableSpi(80, 0x40, 0b01);
    writeDist(Gicv2::kIcfgr + 80 / 16 * 4, 2u << (2 * (80 % 16)));
    gic.setSharedLevel(80, true);
    EXPECT_EQ(cpuif(Gicv2::kIar, 0), 80u);
    cpuif(Gicv2::kEoir, 80, 0);
    EXPECT_EQ(cpuif(Gicv2::kRpr, 0), 0xffu) << "priority dropped";
    EXPECT_NE(readDist(Gicv2::kIsactiver + 8) & (1u << (80 - 64)), 0u) << "still active";
    cpuif(Gicv2::kDir, 80, 0);
    EXPECT_EQ(readDist(Gicv2::kIsactiver + 8) & (1u << (80 - 64)), 0u);
}

TEST_F(Gic, TimerPpisArePrivateToEachCpu)
{
    enable();
    writeDist(Gicv2::kIsenabler, 1u << 27, 1); // banked: CPU 1's PPI 27 only
    gic.setPrivateLevel(1, 27, true);
    gic.setPrivateLevel(0, 27, true);
    EXPECT_FALSE(gic.irqSignalled(0)) << "CPU 0's PPI 27 is not enabled";
    EXPECT_TRUE(gic.irqSignalled(1));
    EXPECT_EQ(cpuif(Gicv2::kIar, 1), 27u);
    writeDist(Gicv2::kCtlr, 0);
    gic.setPrivateLevel(1, 26, true);
    EXPECT_EQ(cpuif(Gicv2::kIar, 1), Gicv2::kSpurious) << "the distributor is off";
    EXPECT_THROW(Gicv2(9), std::invalid_argument);
}

} // namespace
} // namespace vcm::hyp::board

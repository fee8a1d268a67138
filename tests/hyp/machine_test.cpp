// Real cross-built guests on the machine (Unicorn vCPUs over the memory model) with nothing trapped: each
// guest's own verdict, checked against what the coherence oracle computed, plus the ways a guest can fail.
#include "guest_boot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>

namespace vcm::hyp {
namespace {

using ::testing::HasSubstr;
using testing::guestPath;

struct Booted {
    MachineRun run;
    memory::CoherenceCounts counts;
    std::vector<memory::Cycles> coreTimes;
};

// Boots images (one VM each, VM i on core i) with the pass-through trap handler.
Booted boot(std::initializer_list<GuestImage> images, std::uint64_t systemCacheBytes = 4u << 20,
            std::uint64_t budget = 50'000'000)
{
    MachineConfig config;
    config.topology.systemCache.sizeBytes = systemCacheBytes;
    testing::GuestMachine guests(config);
    memory::CoreId core = 0;
    for (const GuestImage& image : images)
        guests.addGuest(image, core++);
    Booted booted;
    booted.run = guests.machine.run(budget);
    booted.counts = guests.counts;
    for (memory::CoreId c = 0; c < config.topology.cores(); ++c)
        booted.coreTimes.push_back(guests.machine.memory().coreTime(c));
    return booted;
}

GuestImage rawImage(std::initializer_list<std::uint32_t> words)
{
    GuestImage image;
    for (std::uint32_t w : words)
        for (int b = 0; b < 4; ++b)
            image.bytes.push_back(static_cast<std::uint8_t>(w >> (8 * b)));
    return image;
}

// "bootloader-setway: N of M words wrong" -> N
std::uint64_t wrongWords(const std::string& console)
{
    return static_cast<std::uint64_t>(testing::capturedNumber(console, "bootloader-setway: (\\d+) of 4096 words wrong"));
}

TEST(Machine, HelloGuestRunsAtEl1AndExits)
{
    const Booted b = boot({GuestImage::load(guestPath("hello"))});
    ASSERT_EQ(b.run.vcpus.size(), 1u);
    const VcpuSummary& v = b.run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_EQ(v.exitCode, 0u);
    EXPECT_THAT(v.console, HasSubstr("sum(1..100) = 5050\n"));
    EXPECT_THAT(v.console, HasSubstr("CurrentEL = 1\n"));
    EXPECT_EQ(b.counts.staleReads, 0u);
}

TEST(Machine, BootloaderSetWayWithASystemCacheReadsStaleDataAndTheOracleAgrees)
{
    const Booted b = boot({GuestImage::load(guestPath("bootloader-setway"))});
    const VcpuSummary& v = b.run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_EQ(v.exitCode, 1u) << v.console;
    const std::uint64_t wrong = wrongWords(v.console);
    EXPECT_GT(wrong, 0u) << v.console;
    EXPECT_EQ(b.counts.staleReads, wrong) << "one stale read per wrong word the guest found";
}

TEST(Machine, BootloaderSetWayWithoutASystemCachePasses)
{
    const Booted b = boot({GuestImage::load(guestPath("bootloader-setway"))}, /*systemCacheBytes*/ 0);
    const VcpuSummary& v = b.run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_EQ(v.exitCode, 0u) << v.console;
    EXPECT_EQ(wrongWords(v.console), 0u);
    EXPECT_EQ(b.counts.staleReads, 0u);
}

TEST(Machine, LinuxLikeGuestNeverReadsStaleData)
{
    const Booted b = boot({GuestImage::load(guestPath("linux-like"))});
    const VcpuSummary& v = b.run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_EQ(v.exitCode, 0u) << v.console;
    EXPECT_THAT(v.console, HasSubstr("PASS"));
    EXPECT_EQ(b.counts.staleReads, 0u);
    EXPECT_EQ(b.counts.clobbers, 0u);
}

TEST(Machine, NonIdentityMappingsWorkForDataAndCode)
{
    const Booted b = boot({GuestImage::load(guestPath("alias-mapping"))});
    const VcpuSummary& v = b.run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_EQ(v.exitCode, 0u) << v.console;
    EXPECT_THAT(v.console, HasSubstr("0 words wrong through the alias, aliased code returned 42"));
}

// The engine maps guest RAM read-only and the write-protection hook does every store (vcpu.cpp, mapMirror):
// rewritten code must run as last written after IC IALLU and IC IVAU, and unaligned stores, which Unicorn
// replays as byte stores, must land once with their neighbours untouched.
TEST(Machine, RewrittenCodeRunsAfterAnIcAndUnalignedStoresLandWhole)
{
    const Booted b = boot({GuestImage::load(guestPath("code-rewrite"))});
    const VcpuSummary& v = b.run.vcpus[0];
    ASSERT_TRUE(v.exited) << v.fault;
    EXPECT_EQ(v.exitCode, 0u) << v.console;
    EXPECT_THAT(v.console, HasSubstr("calls returned 7, 8, 9; 0 bytes wrong around unaligned stores"));
    EXPECT_EQ(b.counts.staleReads, 0u);
    EXPECT_EQ(b.counts.clobbers, 0u);
}

// Unicorn replays an unaligned store to read-only RAM as byte stores through the same hook; the model must see
// the store once (once per page when it crosses one), not once plus once per byte.
TEST(Machine, AnUnalignedStoreIsOneAccessPerPage)
{
    constexpr std::uint32_t kStrX1AtX0 = 0xf9000001;    // str x1, [x0]
    constexpr std::uint32_t kMovkX0High = 0xf2a80000;   // movk x0, #0x4000, lsl #16 (VCM_GUEST_RAM_BASE)
    constexpr std::uint32_t kMovzX1 = 0xd2824681;       // movz x1, #0x1234
    constexpr std::uint32_t kMovzX1Zero = 0xd2800001;   // movz x1, #0 (the exit code)
    constexpr std::uint32_t kMovzX0Exit = 0xd28ac000;   // movz x0, #0x5600
    constexpr std::uint32_t kMovkX0Exit = 0xf2b0c000;   // movk x0, #0x8600, lsl #16 (VCM_SMCCC_EXIT)
    constexpr std::uint32_t kHvc0 = 0xd4000002;         // hvc #0
    static_assert(VCM_GUEST_RAM_BASE == 0x40000000 && VCM_SMCCC_EXIT == 0x86005600);
    auto storeAt = [&](std::uint16_t offset) {
        const std::uint32_t movzX0 = 0xd2800000u | (std::uint32_t{offset} << 5); // movz x0, #offset
        const Booted b = boot({rawImage({movzX0, kMovkX0High, kMovzX1, kStrX1AtX0, kMovzX1Zero, kMovzX0Exit, kMovkX0Exit, kHvc0})});
        const VcpuSummary& v = b.run.vcpus[0];
        EXPECT_TRUE(v.exited) << v.fault;
        return v.memoryAccesses;
    };
    EXPECT_EQ(storeAt(0x1000), 1u);
    EXPECT_EQ(storeAt(0x1001), 1u) << "an unaligned store inside a page";
    EXPECT_EQ(storeAt(0x1ffd), 2u) << "an unaligned store across a page boundary: one access per page";
}

// After EL2 removes stage-2 entries it flushes the VM's TLB entries (Xen's p2m_force_tlb_flush_sync, KVM's
// kvm_tlb_flush_vmid_ipa), and hardware TLBs cache combined stage 1+2 translations: the guest's next access
// walks its stage-1 tables again, so its first stage-2 fault is the walk's read of the table at TTBR0_EL1, not
// the data it wanted. Changing trap bits in HCR_EL2 flushes nothing.
TEST(Machine, RemovingStage2EntriesDropsCachedStage1Walks)
{
    struct InvalidateAtFirstSetWay : cpu::TrapHandler {
        Machine* machine = nullptr;
        std::uint64_t ttbr0 = 0;
        std::vector<std::uint64_t> faults;
        void onVcpuReset(cpu::Vcpu& vcpu) override
        {
            vcpu.updateHcr([](cpu::HcrEl2& hcr) { hcr.tsw = true; });
        }
        void onSetWay(cpu::Vcpu& vcpu, memory::SetWayOp op, std::uint64_t operand) override
        {
            vcpu.updateHcr([](cpu::HcrEl2& hcr) { hcr.tvm = !hcr.tvm; });
            if (ttbr0 == 0) {
                ttbr0 = vcpu.stage1().ttbr0;
                const VmSpec& spec = machine->vmSpec(0);
                machine->stage2(0).setValid(spec.ramIpa >> 12, spec.ramBytes >> 12, false);
            }
            vcpu.executeSetWay(op, operand);
        }
        bool onStage2Fault(cpu::Vcpu&, std::uint64_t ipa) override
        {
            faults.push_back(ipa);
            machine->stage2(0).setValid(ipa >> 12, 1, true);
            return true;
        }
    } traps;
    Machine machine{MachineConfig{}};
    traps.machine = &machine;
    const std::size_t vm = machine.createVm(VmSpec{}, traps);
    // setway-storm keeps its MMU and caches on across its set/way passes and writes its buffer between them.
    machine.loadImage(vm, VCM_GUEST_RAM_BASE, GuestImage::load(guestPath("setway-storm")).bytes);
    const MachineRun run = machine.run(500'000'000);
    ASSERT_TRUE(run.vcpus[0].exited) << run.vcpus[0].fault;
    ASSERT_NE(traps.ttbr0, 0u) << "the guest turned its MMU on before its set/way passes";
    ASSERT_FALSE(traps.faults.empty());
    constexpr std::uint64_t kTableAddress = 0x0000'ffff'ffff'f000; // TTBR0_EL1.BADDR, 4 KiB aligned
    EXPECT_EQ(traps.faults.front() >> 12, (traps.ttbr0 & kTableAddress) >> 12)
        << std::hex << "first stage-2 fault at IPA 0x" << traps.faults.front() << ", TTBR0_EL1 0x" << traps.ttbr0;
}

TEST(Machine, SameInputsGiveTheSameExecution)
{
    const Booted a = boot({GuestImage::load(guestPath("bootloader-setway")), GuestImage::load(guestPath("linux-like"))});
    const Booted b = boot({GuestImage::load(guestPath("bootloader-setway")), GuestImage::load(guestPath("linux-like"))});
    EXPECT_EQ(a.coreTimes, b.coreTimes);
    EXPECT_EQ(a.counts.staleReads, b.counts.staleReads);
    ASSERT_EQ(a.run.vcpus.size(), b.run.vcpus.size());
    for (std::size_t i = 0; i < a.run.vcpus.size(); ++i) {
        EXPECT_EQ(a.run.vcpus[i].instructions, b.run.vcpus[i].instructions);
        EXPECT_EQ(a.run.vcpus[i].console, b.run.vcpus[i].console);
    }
}

constexpr std::uint32_t kMovX1Zero = 0xd2800001;   // mov x1, #0
constexpr std::uint32_t kLdrX0FromX1 = 0xf9400020; // ldr x0, [x1]
constexpr std::uint32_t kUdf = 0x00000000;          // udf #0
constexpr std::uint32_t kBranchToSelf = 0x14000000; // b .
constexpr std::uint32_t kHvcUnknown = 0xd4000002 | (0x77u << 5);

TEST(Machine, AccessOutsideStage2IsAStage2AbortNotACrash)
{
    const Booted b = boot({rawImage({kMovX1Zero, kLdrX0FromX1})});
    const VcpuSummary& v = b.run.vcpus[0];
    EXPECT_FALSE(v.exited);
    EXPECT_THAT(v.fault, HasSubstr("stage-2 abort"));
    EXPECT_THAT(v.fault, HasSubstr("IPA 0x0"));
}

// An undefined instruction is delivered to VBAR_EL1 + 0x200; a guest that never set VBAR_EL1 has nothing at 0x200,
// and the fault that follows names the exception that led there.
TEST(Machine, AnUndefinedInstructionWithoutVectorsStopsTheVcpuNamingIt)
{
    const Booted b = boot({rawImage({kUdf})});
    EXPECT_THAT(b.run.vcpus[0].fault, HasSubstr("pc=0x200"));
    EXPECT_THAT(b.run.vcpus[0].fault, HasSubstr("in the exception vectors after undefined instruction 0x00000000 at "
                                                "0x40000000"));
}

// A handler that faults inside its own vector table is stopped after a bounded number of nested exceptions.
TEST(Machine, ExceptionsNestedInTheVectorTableStopTheVcpu)
{
    constexpr std::uint32_t kAdrX0Plus0x800 = 0x10004000; // adr x0, .+0x800
    constexpr std::uint32_t kMsrVbarX0 = 0xd518c000;      // msr vbar_el1, x0
    GuestImage image = rawImage({kAdrX0Plus0x800, kMsrVbarX0, kUdf});
    image.bytes.resize(0x1000, 0); // the vector table at +0x800: every entry udf #0
    const Booted b = boot({image});
    const VcpuSummary& v = b.run.vcpus[0];
    EXPECT_FALSE(v.exited);
    EXPECT_THAT(v.fault, HasSubstr("the 8th exception in a row taken there"));
    EXPECT_THAT(v.fault, HasSubstr("the first: undefined instruction 0x00000000 at 0x40000008"));
}

TEST(Machine, UnknownHypercallIsReported)
{
    const Booted b = boot({rawImage({kHvcUnknown})});
    EXPECT_THAT(b.run.vcpus[0].fault, HasSubstr("HVC #0x77"));
}

TEST(Machine, RunawayGuestStopsAtTheBudgetAndOthersStillFinish)
{
    const Booted b = boot({rawImage({kBranchToSelf}), GuestImage::load(guestPath("hello"))}, 4u << 20, 1'000'000);
    EXPECT_FALSE(b.run.allExited);
    EXPECT_FALSE(b.run.vcpus[0].exited);
    EXPECT_TRUE(b.run.vcpus[0].fault.empty());
    EXPECT_GE(b.run.instructions, 1'000'000u);
    EXPECT_TRUE(b.run.vcpus[1].exited) << "the other VM ran to completion meanwhile";
}

} // namespace
} // namespace vcm::hyp

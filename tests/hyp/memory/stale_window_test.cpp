// Stale-data windows: opened when a page holds cached data that differs from RAM while a bypassing
// observer exists, closed by the operation that resolves the last differing line.
#include "memory_fixture.h"

#include <gtest/gtest.h>

namespace vcm::hyp::memory::testing {
namespace {

constexpr PhysAddr kGuestRam = 0x8000'0000;

class StaleWindow : public ::testing::Test {
protected:
    MemoryHarness h;
    AgentId toolstack = h.agent(AgentKind::Toolstack, "dom0-builder", 0);
};

TEST_F(StaleWindow, OpensOnCachedWriteAndClosesAtTheCleanToPoC)
{
    h.memory.addBypassObserver("d1v0 (caches off)", kGuestRam, 1u << 20);
    h.write64(toolstack, kGuestRam + 0x100, 1, kWB);
    ASSERT_EQ(h.listener.opened.size(), 1u);
    EXPECT_EQ(h.listener.opened[0].page, kGuestRam);
    EXPECT_EQ(h.listener.opened[0].observers, std::vector<std::string>{"d1v0 (caches off)"});
    EXPECT_EQ(h.listener.opened[0].cause, "write by dom0-builder on core 0");
    EXPECT_TRUE(h.memory.staleWindowOpen(kGuestRam));

    h.memory.maintainByAddress(toolstack, ByAddressOp::CleanToPoU, kGuestRam + 0x100);
    EXPECT_TRUE(h.listener.closed.empty()) << "cleaning to the PoU leaves the L2 differing from RAM";

    h.memory.advanceCore(0, 1000);
    h.memory.maintainByAddress(toolstack, ByAddressOp::CleanToPoC, kGuestRam + 0x100);
    ASSERT_EQ(h.listener.closed.size(), 1u);
    EXPECT_EQ(h.listener.closed[0].page, kGuestRam);
    EXPECT_EQ(h.listener.closed[0].resolvedBy, "DC CVAC by dom0-builder on core 0");
    EXPECT_GT(h.listener.closed[0].time, h.listener.opened[0].time);
    EXPECT_FALSE(h.memory.staleWindowOpen(kGuestRam));
}

TEST_F(StaleWindow, PagesOutsideTheObserverRangeOpenNoWindow)
{
    h.memory.addBypassObserver("dma", kGuestRam, 4096);
    h.write64(toolstack, kGuestRam + 4096, 1, kWB);
    EXPECT_TRUE(h.listener.opened.empty());
}

TEST_F(StaleWindow, ObserverArrivingLateOpensExistingWindowsAndLeavingClosesThem)
{
    h.write64(toolstack, kGuestRam, 1, kWB);
    h.write64(toolstack, kGuestRam + 3 * 4096, 1, kWB);
    EXPECT_TRUE(h.listener.opened.empty()) << "no bypassing observer yet";
    const ObserverId observer = h.memory.addBypassObserver("uncached toolstack map", kGuestRam, 16 * 4096);
    ASSERT_EQ(h.listener.opened.size(), 2u);
    EXPECT_EQ(h.listener.opened[0].page, kGuestRam) << "reported in address order";
    EXPECT_EQ(h.listener.opened[1].page, kGuestRam + 3 * 4096);
    h.memory.removeBypassObserver(observer);
    ASSERT_EQ(h.listener.closed.size(), 2u);
    EXPECT_EQ(h.listener.closed[0].resolvedBy, "uncached toolstack map ceasing to bypass the caches");
    EXPECT_EQ(h.listener.opened[0].cause, "uncached toolstack map beginning to bypass the caches");
}

TEST_F(StaleWindow, StaleCleanLineAfterNonCacheableWriteAlsoOpensAWindow)
{
    // The other direction (seed 002): RAM is newer than a clean cached copy.
    const AgentId guest = h.agent(AgentKind::Vcpu, "d1v0", 1);
    h.memory.addBypassObserver("d1v0 (caches off)", kGuestRam, 4096);
    h.read64(guest, kGuestRam, kWB);
    EXPECT_TRUE(h.listener.opened.empty()) << "a clean copy equal to RAM";
    h.write64(guest, kGuestRam, 5, kDevice);
    ASSERT_EQ(h.listener.opened.size(), 1u);
    h.memory.maintainByAddress(guest, ByAddressOp::InvalidateToPoC, kGuestRam);
    ASSERT_EQ(h.listener.closed.size(), 1u);
    EXPECT_EQ(h.listener.closed[0].resolvedBy, "DC IVAC by d1v0 on core 1");
}

} // namespace
} // namespace vcm::hyp::memory::testing

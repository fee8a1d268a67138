// The minimal runner executes the cross-built hello guest and contains guests that misbehave.
#include "vcm/hyp/bare_metal_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>

namespace {

using ::testing::HasSubstr;
using vcm::hyp::GuestStop;

// Assembles a raw image from A64 instruction words (little-endian), for the misbehaving guests.
vcm::hyp::GuestImage imageOf(std::initializer_list<std::uint32_t> words)
{
    vcm::hyp::GuestImage image;
    for (std::uint32_t w : words)
        for (int b = 0; b < 4; ++b)
            image.bytes.push_back(static_cast<std::uint8_t>(w >> (8 * b)));
    return image;
}

constexpr std::uint32_t kBranchToSelf = 0x14000000;   // b .
constexpr std::uint32_t kMovX1Zero = 0xd2800001;      // mov x1, #0
constexpr std::uint32_t kLdrX0FromX1 = 0xf9400020;    // ldr x0, [x1]
constexpr std::uint32_t kMovX0Seven = 0xd28000e0;     // mov x0, #7
constexpr std::uint32_t kHvcExit = 0xd4000002;        // hvc #0
constexpr std::uint32_t kHvcUnknown = 0xd4000002 | (0x77u << 5); // hvc #0x77

TEST(BareMetalRunner, HelloGuestRunsToCompletion)
{
    const auto image = vcm::hyp::GuestImage::load(VCM_GUEST_HELLO_BIN);
    const auto result = vcm::hyp::runBareMetal(image);
    ASSERT_EQ(result.stop, GuestStop::Exited) << result.faultDescription;
    EXPECT_EQ(result.exitCode, 0u);
    EXPECT_THAT(result.console, HasSubstr("hello from vcm guest\n"));
    EXPECT_THAT(result.console, HasSubstr("sum(1..100) = 5050\n"));
    // The guest reads CurrentEL itself: vCPUs run at EL1 under the emulated EL2.
    EXPECT_THAT(result.console, HasSubstr("CurrentEL = 1\n"));
}

TEST(BareMetalRunner, ExitCodeComesFromX0)
{
    const auto result = vcm::hyp::runBareMetal(imageOf({kMovX0Seven, kHvcExit}));
    ASSERT_EQ(result.stop, GuestStop::Exited);
    EXPECT_EQ(result.exitCode, 7u);
}

TEST(BareMetalRunner, AccessOutsideRamIsAFaultNotACrash)
{
    const auto result = vcm::hyp::runBareMetal(imageOf({kMovX1Zero, kLdrX0FromX1, kHvcExit}));
    EXPECT_EQ(result.stop, GuestStop::Fault);
    EXPECT_THAT(result.faultDescription, HasSubstr("guest fault"));
}

TEST(BareMetalRunner, UnknownHypercallIsReportedWithItsNumber)
{
    const auto result = vcm::hyp::runBareMetal(imageOf({kHvcUnknown}));
    EXPECT_EQ(result.stop, GuestStop::Fault);
    EXPECT_THAT(result.faultDescription, HasSubstr("HVC #0x77"));
    EXPECT_THAT(result.faultDescription, HasSubstr("pc=0x40000000"));
}

TEST(BareMetalRunner, RunawayGuestStopsAtItsBudget)
{
    vcm::hyp::BareMetalRunOptions options;
    options.instructionBudget = 10'000;
    const auto result = vcm::hyp::runBareMetal(imageOf({kBranchToSelf}), options);
    EXPECT_EQ(result.stop, GuestStop::BudgetExhausted);
    EXPECT_THAT(result.faultDescription, HasSubstr("10000"));
}

} // namespace

// The board's parts on their own: the device tree (read back with libfdt), the PL011's registers, the
// console script, the generic timer's register arithmetic.
#include "vcm/hyp/board/console_script.h"
#include "vcm/hyp/board/pl011_uart.h"
#include "vcm/hyp/board/virt_board.h"
#include "vcm/hyp/cpu/generic_timer.h"

#include <gtest/gtest.h>
#include <libfdt.h>

#include <string>

namespace vcm::hyp::board {
namespace {

std::string property(const std::vector<std::uint8_t>& blob, const char* path, const char* name)
{
    const int node = fdt_path_offset(blob.data(), path);
    if (node < 0)
        return "<no node " + std::string(path) + ">";
    int length = 0;
    const auto* value = static_cast<const char*>(fdt_getprop(blob.data(), node, name, &length));
    return value == nullptr ? "<no property>" : std::string(value, static_cast<std::size_t>(length));
}

std::uint64_t cells64(const std::string& bytes, std::size_t index)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i)
        v = v << 8 | static_cast<unsigned char>(bytes.at(index * 8 + i));
    return v;
}

TEST(VirtDeviceTree, DescribesTheBoardAFirmwareExpects)
{
    VirtDeviceTreeConfig config;
    config.ramBytes = 1ull << 30;
    config.cpus = 2;
    config.bootargs = "console=ttyAMA0";
    config.initrd = std::pair{0x4800'0000ull, 0x4810'0000ull};
    const auto blob = buildVirtDeviceTree(config);
    ASSERT_EQ(fdt_check_header(blob.data()), 0);
    EXPECT_EQ(property(blob, "/psci", "method"), std::string("hvc\0", 4));
    const std::string reg = property(blob, "/memory@40000000", "reg");
    ASSERT_EQ(reg.size(), 16u);
    EXPECT_EQ(cells64(reg, 0), virt::kRamBase);
    EXPECT_EQ(cells64(reg, 1), 1ull << 30);
    EXPECT_EQ(property(blob, "/cpus/cpu@1", "enable-method"), std::string("psci\0", 5));
    EXPECT_EQ(property(blob, "/chosen", "stdout-path"), std::string("/pl011@9000000\0", 15));
    EXPECT_EQ(property(blob, "/chosen", "bootargs"), std::string("console=ttyAMA0\0", 16));
    EXPECT_EQ(cells64(property(blob, "/chosen", "linux,initrd-start"), 0), 0x4800'0000u);
    EXPECT_EQ(cells64(property(blob, "/chosen", "linux,initrd-end"), 0), 0x4810'0000u);
    EXPECT_NE(property(blob, "/pl011@9000000", "clocks"), "<no property>");
    EXPECT_NE(property(blob, "/intc@8000000", "interrupt-controller"), "<no property>");
    EXPECT_EQ(property(blob, "/flash@0", "compatible"), std::string("cfi-flash\0", 10));
    const std::string flash = property(blob, "/flash@0", "reg");
    ASSERT_EQ(flash.size(), 32u) << "both banks in one node, as QEMU's create_flash writes it";
    EXPECT_EQ(cells64(flash, 2), virt::kFlash1Base);
    EXPECT_EQ(cells64(flash, 3), virt::kFlashBankBytes);
    config.cpus = 9;
    EXPECT_THROW(buildVirtDeviceTree(config), std::invalid_argument) << "a GICv2 serves 8 CPUs";
}

TEST(VirtBoard, LaysOutQemusMemoryMap)
{
    const std::vector<std::uint8_t> firmware{0x01, 0x02, 0x03, 0x04};
    VirtBoard board(firmware, 1, [](char, std::uint64_t) {});
    const BoardBus& bus = board.bus();
    const BoardRegion* flash0 = bus.find(virt::kFlash0Base);
    ASSERT_NE(flash0, nullptr);
    EXPECT_EQ(flash0->kind, RegionKind::Rom);
    EXPECT_EQ(flash0->size, virt::kFlashBankBytes);
    EXPECT_EQ(flash0->bytes[3], 0x04) << "the firmware at the start of bank 0";
    EXPECT_EQ(flash0->bytes[4], 0x00) << "zeros after it";
    const BoardRegion* flash1 = bus.find(virt::kFlash1Base + 0x100);
    ASSERT_NE(flash1, nullptr);
    EXPECT_EQ(flash1->name, "flash1");
    EXPECT_EQ(flash1->bytes[0x100], 0x00) << "an empty bank";
    EXPECT_EQ(flash0->device, &board.flash(0)) << "both banks take flash commands";
    EXPECT_EQ(flash1->device, &board.flash(1));
    const BoardRegion* uart = bus.find(virt::kUartBase + Pl011Uart::kFr);
    ASSERT_NE(uart, nullptr);
    EXPECT_EQ(uart->kind, RegionKind::Mmio);
    EXPECT_EQ(uart->device, &board.uart());
    const BoardRegion* gic = bus.find(virt::kGicDistributorBase);
    ASSERT_NE(gic, nullptr);
    EXPECT_EQ(gic->device, &board.gic().distributor());
    EXPECT_EQ(bus.interruptController(), &board.gic());
    EXPECT_EQ(bus.find(virt::kRamBase), nullptr) << "RAM is stage 2's, not the board's";
    EXPECT_THROW(VirtBoard(std::vector<std::uint8_t>(virt::kFlashBankBytes + 1), 1, [](char, std::uint64_t) {}),
                 std::invalid_argument);
}

TEST(BoardBus, RefusesOverlappingAndPartialPageRegions)
{
    BoardBus bus;
    bus.addMmio("a", 0x1000, 0x1000, nullptr);
    EXPECT_THROW(bus.addMmio("b", 0x1800 & ~0xfffull, 0x2000, nullptr), std::invalid_argument);
    EXPECT_THROW(bus.addMmio("c", 0x10000, 0x800, nullptr), std::invalid_argument);
    EXPECT_THROW(bus.addRom("d", 0x20000, 0x1000, std::vector<std::uint8_t>(0x1001)), std::invalid_argument);
}

TEST(Pl011Uart, TransmitsReceivesAndReportsItsFifos)
{
    std::string sent;
    Pl011Uart uart([&](char c, std::uint64_t) { sent.push_back(c); });
    EXPECT_EQ(uart.read(Pl011Uart::kFr, 4, {}), Pl011Uart::kFrTxfe | Pl011Uart::kFrRxfe);
    uart.write(Pl011Uart::kDr, 4, 'o', {});
    uart.write(Pl011Uart::kDr, 4, 0x100 | 'k', {}); // bits above the byte are not data
    EXPECT_EQ(sent, "ok");
    uart.receive("ab");
    EXPECT_EQ(uart.read(Pl011Uart::kFr, 4, {}) & Pl011Uart::kFrRxfe, 0u);
    EXPECT_EQ(uart.read(Pl011Uart::kDr, 4, {}), 'a');
    EXPECT_EQ(uart.read(Pl011Uart::kDr, 4, {}), 'b');
    EXPECT_NE(uart.read(Pl011Uart::kFr, 4, {}) & Pl011Uart::kFrRxfe, 0u);
    uart.write(Pl011Uart::kLcrH, 4, 0x70, {});
    uart.write(Pl011Uart::kIbrd, 4, 13, {});
    EXPECT_EQ(uart.read(Pl011Uart::kLcrH, 4, {}), 0x70u);
    EXPECT_EQ(uart.read(Pl011Uart::kIbrd, 4, {}), 13u);
    EXPECT_EQ(uart.read(0xfe0, 4, {}), 0x11u) << "PeriphID0 of a PL011";
    // An empty receive FIFO asks the poll hook (interactive input) before answering.
    uart.onReceivePoll([](Pl011Uart& u) { u.receive("z"); });
    EXPECT_EQ(uart.read(Pl011Uart::kDr, 4, {}), 'z');
}

TEST(ConsoleScript, EachStepWaitsForItsTextAfterThePreviousMatch)
{
    ConsoleScript script({{"=> ", "version\r"}, {"=> ", "poweroff\r"}}, "bye");
    std::vector<std::string> typed;
    auto print = [&](const std::string& text) {
        for (char c : text)
            script.onOutput(c, [&](const std::string& input) { typed.push_back(input); });
    };
    print("U-Boot\n=");
    EXPECT_TRUE(typed.empty());
    print("> ");
    ASSERT_EQ(typed.size(), 1u);
    EXPECT_EQ(typed[0], "version\r");
    print("version\nU-Boot 2023.01\n=> ");
    ASSERT_EQ(typed.size(), 2u) << "the second prompt, not the first one again";
    EXPECT_EQ(typed[1], "poweroff\r");
    EXPECT_FALSE(script.stopReached());
    print("by");
    EXPECT_FALSE(script.stopReached());
    print("e");
    EXPECT_TRUE(script.stopReached());
}

TEST(GenericTimer, TimerValueIsTheSignedDistanceToTheCompareValue)
{
    cpu::GenericTimer timer;
    using cpu::TimerKind;
    timer.setTimerValue(TimerKind::Virtual, 1000, 5000);
    EXPECT_EQ(timer.compareValue(TimerKind::Virtual), 6000u);
    EXPECT_EQ(timer.timerValue(TimerKind::Virtual, 5500), 500u);
    EXPECT_EQ(timer.timerValue(TimerKind::Virtual, 6500), static_cast<std::uint64_t>(-500)) << "negative once past";
    EXPECT_EQ(timer.control(TimerKind::Virtual, 7000), 0u) << "disabled: no ISTATUS";
    timer.setControl(TimerKind::Virtual, cpu::GenericTimer::kEnable);
    EXPECT_EQ(timer.control(TimerKind::Virtual, 5999), cpu::GenericTimer::kEnable);
    EXPECT_EQ(timer.control(TimerKind::Virtual, 6000), cpu::GenericTimer::kEnable | cpu::GenericTimer::kIStatus);
    EXPECT_TRUE(timer.interruptAsserted(TimerKind::Virtual, 6000));
    EXPECT_EQ(timer.nextDeadline(), 6000u);
    timer.setControl(TimerKind::Virtual, cpu::GenericTimer::kEnable | cpu::GenericTimer::kIMask);
    EXPECT_FALSE(timer.interruptAsserted(TimerKind::Virtual, 6000)) << "masked";
    EXPECT_FALSE(timer.nextDeadline().has_value());
    timer.setTimerValue(TimerKind::Physical, 0xffff'ffff, 100); // -1 as a 32-bit TVAL
    EXPECT_EQ(timer.compareValue(TimerKind::Physical), 99u);
}

} // namespace
} // namespace vcm::hyp::board

// QEMU's "virt" machine (hw/arm/virt.c) as vcm presents it to a VM: its memory map, the devices vcm models,
// and the device tree a firmware finds at the start of RAM (QEMU's -bios boot). docs/board.md lists each
// device, what it models and what it leaves out.
//
//   0x0000_0000  flash bank 0 (64 MiB)  the firmware image, executed in place; CFI NOR flash (cfi_flash.h)
//   0x0400_0000  flash bank 1 (64 MiB)  CFI NOR flash: EDK2's variable store, U-Boot's environment
//   0x0800_0000  GICv2 distributor      interrupts: timers' PPIs, SGIs between vCPUs (gic_v2.h)
//   0x0801_0000  GICv2 CPU interface
//   0x0900_0000  PL011 UART             the console
//   0x4000_0000  RAM                    the VM's stage-2 RAM; the device tree at its first byte
#pragma once

#include "vcm/hyp/board/board_bus.h"
#include "vcm/hyp/board/cfi_flash.h"
#include "vcm/hyp/board/gic_v2.h"
#include "vcm/hyp/board/guest_port.h"
#include "vcm/hyp/board/pl011_uart.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vcm::hyp::board {

namespace virt {
constexpr std::uint64_t kFlashBankBytes = 64ull << 20;
constexpr std::uint64_t kFlash0Base = 0x0000'0000;
constexpr std::uint64_t kFlash1Base = 0x0400'0000;
constexpr std::uint64_t kGicDistributorBase = 0x0800'0000;
constexpr std::uint64_t kGicCpuInterfaceBase = 0x0801'0000;
constexpr std::uint64_t kGicWindowBytes = 0x1'0000;
constexpr std::uint64_t kUartBase = 0x0900'0000;
constexpr std::uint64_t kUartBytes = 0x1000;
constexpr std::uint64_t kRamBase = 0x4000'0000;
constexpr std::uint64_t kUartClockHz = 24'000'000; // QEMU's apb-pclk
} // namespace virt

struct VirtDeviceTreeConfig {
    std::uint64_t ramBytes = 0;
    std::uint32_t cpus = 1;
    std::string bootargs;                                           // /chosen/bootargs, if not empty
    std::optional<std::pair<std::uint64_t, std::uint64_t>> initrd; // linux,initrd-start and -end (IPAs)
};

// The flattened device tree of the board, built with libfdt: memory, cpus (enable-method psci), psci
// (method hvc), the flash banks (cfi-flash), the architected timer, the GICv2, the PL011 with its clock,
// and /chosen.
std::vector<std::uint8_t> buildVirtDeviceTree(const VirtDeviceTreeConfig& config);
// What is wrong with a device tree blob given in place of the board's (libfdt's fdt_check_full: header,
// structure, strings), or nothing when a firmware or kernel could parse it.
std::optional<std::string> deviceTreeProblem(std::span<const std::uint8_t> blob);

class VirtBoard {
public:
    // `firmware` goes into flash bank 0 (at most 64 MiB; empty when a kernel is booted directly), `flash1`
    // into bank 1 (a variable store; empty: the bank reads zeros); the GIC serves `cpus` CPUs; the console's
    // bytes go to `consoleOut`.
    VirtBoard(std::span<const std::uint8_t> firmware, std::uint32_t cpus,
              std::function<void(char, std::uint64_t nowNs)> consoleOut, std::span<const std::uint8_t> flash1 = {});
    const BoardBus& bus() const { return m_bus; }
    CfiFlash& flash(unsigned bank) { return bank == 0 ? *m_flash0 : *m_flash1; }
    Pl011Uart& uart() { return *m_uart; }
    Gicv2& gic() { return *m_gic; }

private:
    std::unique_ptr<Pl011Uart> m_uart;
    std::unique_ptr<Gicv2> m_gic;
    GuestPort m_guestPort;
    BoardBus m_bus;
    std::unique_ptr<CfiFlash> m_flash0;
    std::unique_ptr<CfiFlash> m_flash1;
};

} // namespace vcm::hyp::board

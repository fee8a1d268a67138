// The virt board's memory map: flash banks, the GICv2 and the PL011 (hw/arm/virt.c's base_memmap and
// virt_flash_create1: two pflash_cfi01 banks, 4 bytes wide, 256 KiB blocks).
#include "vcm/hyp/board/virt_board.h"

#include "vcm/hyp/guest_abi.h"

#include <fmt/core.h>

#include <stdexcept>

namespace vcm::hyp::board {

VirtBoard::VirtBoard(std::span<const std::uint8_t> firmware, std::uint32_t cpus,
                     std::function<void(char, std::uint64_t)> consoleOut, std::span<const std::uint8_t> flash1)
    : m_uart(std::make_unique<Pl011Uart>(std::move(consoleOut))), m_gic(std::make_unique<Gicv2>(cpus))
{
    if (firmware.size() > virt::kFlashBankBytes)
        throw std::invalid_argument(fmt::format("a firmware image of {} bytes: flash bank 0 holds {} MiB",
                                                firmware.size(), virt::kFlashBankBytes >> 20));
    if (flash1.size() > virt::kFlashBankBytes)
        throw std::invalid_argument(fmt::format("a flash image of {} bytes: flash bank 1 holds {} MiB", flash1.size(),
                                                virt::kFlashBankBytes >> 20));
    m_flash0 = std::make_unique<CfiFlash>("flash0", m_bus.addRom("flash0", virt::kFlash0Base, virt::kFlashBankBytes,
                                                                 firmware));
    m_flash1 = std::make_unique<CfiFlash>("flash1", m_bus.addRom("flash1", virt::kFlash1Base, virt::kFlashBankBytes,
                                                                 flash1));
    m_bus.connect("flash0", m_flash0.get());
    m_bus.connect("flash1", m_flash1.get());
    m_bus.addMmio("gic-distributor", virt::kGicDistributorBase, virt::kGicWindowBytes, &m_gic->distributor());
    m_bus.addMmio("gic-cpu-interface", virt::kGicCpuInterfaceBase, virt::kGicWindowBytes, &m_gic->cpuInterface());
    m_bus.setInterruptController(m_gic.get());
    m_bus.addMmio("pl011", virt::kUartBase, virt::kUartBytes, m_uart.get());
    // Not QEMU's: vcm's guest port, in a hole of virt's map, so a project guest could run on the board too.
    m_bus.addMmio("vcm-guest-port", VCM_GUEST_PORT_BASE, VCM_GUEST_PORT_SIZE, &m_guestPort);
}

} // namespace vcm::hyp::board

// Arm PrimeCell UART (PL011, Arm DDI 0183G), the virt board's console at 0x09000000, as QEMU's hw/char/pl011.c
// presents it: transmission is instantaneous (TXFE always set, TXFF and BUSY never), received bytes wait in a
// FIFO until the guest reads DR. Interrupt state (RIS, IMSC) is kept for the guest to read; no interrupt line
// is wired until the board has a GIC.
#pragma once

#include "vcm/hyp/board/mmio_device.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>

namespace vcm::hyp::board {

class Pl011Uart final : public MmioDevice {
public:
    // Register offsets (DDI 0183G table 3-1).
    static constexpr std::uint64_t kDr = 0x000, kRsrEcr = 0x004, kFr = 0x018, kIlpr = 0x020, kIbrd = 0x024,
                                   kFbrd = 0x028, kLcrH = 0x02c, kCr = 0x030, kIfls = 0x034, kImsc = 0x038,
                                   kRis = 0x03c, kMis = 0x040, kIcr = 0x044, kDmacr = 0x048;
    // Flag register bits.
    static constexpr std::uint32_t kFrRxfe = 1u << 4, kFrTxff = 1u << 5, kFrRxff = 1u << 6, kFrTxfe = 1u << 7;
    static constexpr std::size_t kFifoDepth = 16;

    // `transmit` receives every byte the guest writes to DR, with the virtual time of the write.
    explicit Pl011Uart(std::function<void(char, std::uint64_t nowNs)> transmit);

    std::string name() const override { return "pl011"; }
    std::uint64_t read(std::uint64_t offset, unsigned bytes, const MmioAccess& access) override;
    void write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access) override;

    // Bytes arriving on the receive line; they wait (beyond the 16-byte FIFO, as a terminal's buffer would)
    // until the guest reads them.
    void receive(std::string_view bytes);
    // Called when the guest looks at an empty receive FIFO (a read of FR or DR): interactive use feeds stdin
    // from here.
    void onReceivePoll(std::function<void(Pl011Uart&)> poll) { m_poll = std::move(poll); }
    bool receivePending() const { return !m_rx.empty(); }
    std::uint64_t flagReads() const { return m_flagReads; }

private:
    std::uint32_t flags();
    std::function<void(char, std::uint64_t)> m_transmit;
    std::function<void(Pl011Uart&)> m_poll;
    std::deque<char> m_rx;
    std::uint32_t m_cr = 0x300; // TXE and RXE set at reset
    std::uint32_t m_lcrH = 0, m_ibrd = 0, m_fbrd = 0, m_ilpr = 0, m_ifls = 0x12, m_imsc = 0, m_dmacr = 0;
    std::uint32_t m_rsr = 0;
    std::uint64_t m_flagReads = 0;
};

} // namespace vcm::hyp::board

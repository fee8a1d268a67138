// The PL011 UART: register behaviour of Arm DDI 0183G, chapter 3, with QEMU's pl011.c as the reference model.
#include "vcm/hyp/board/pl011_uart.h"

#include <array>

namespace vcm::hyp::board {
namespace {

// PrimeCell identification registers at 0xfe0..0xffc (PeriphID0-3, PCellID0-3): a PL011 r1p5.
constexpr std::array<std::uint8_t, 8> kIdentification{0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
constexpr std::uint32_t kRisRx = 1u << 4;
constexpr std::uint32_t kRisTx = 1u << 5;

} // namespace

Pl011Uart::Pl011Uart(std::function<void(char, std::uint64_t)> transmit) : m_transmit(std::move(transmit)) {}

void Pl011Uart::receive(std::string_view bytes)
{
    m_rx.insert(m_rx.end(), bytes.begin(), bytes.end());
}

std::uint32_t Pl011Uart::flags()
{
    if (m_rx.empty() && m_poll)
        m_poll(*this);
    std::uint32_t fr = kFrTxfe; // the transmitter is always empty: bytes leave as they are written
    if (m_rx.empty())
        fr |= kFrRxfe;
    else if (m_rx.size() >= kFifoDepth)
        fr |= kFrRxff;
    return fr;
}

std::uint64_t Pl011Uart::read(std::uint64_t offset, unsigned, const MmioAccess&)
{
    if (offset >= 0xfe0 && offset < 0x1000)
        return kIdentification[(offset - 0xfe0) >> 2];
    switch (offset) {
    case kDr: {
        if (m_rx.empty() && m_poll)
            m_poll(*this);
        if (m_rx.empty())
            return 0;
        const auto byte = static_cast<unsigned char>(m_rx.front());
        m_rx.pop_front();
        return byte;
    }
    case kRsrEcr:
        return m_rsr;
    case kFr:
        ++m_flagReads;
        return flags();
    case kIlpr:
        return m_ilpr;
    case kIbrd:
        return m_ibrd;
    case kFbrd:
        return m_fbrd;
    case kLcrH:
        return m_lcrH;
    case kCr:
        return m_cr;
    case kIfls:
        return m_ifls;
    case kImsc:
        return m_imsc;
    case kRis:
        return kRisTx | (m_rx.empty() ? 0 : kRisRx);
    case kMis:
        return (kRisTx | (m_rx.empty() ? 0 : kRisRx)) & m_imsc;
    case kDmacr:
        return m_dmacr;
    default:
        return 0; // reserved offsets read as zero
    }
}

void Pl011Uart::write(std::uint64_t offset, unsigned, std::uint64_t value, const MmioAccess& access)
{
    const auto v = static_cast<std::uint32_t>(value);
    switch (offset) {
    case kDr:
        m_transmit(static_cast<char>(v & 0xff), access.nowNs);
        break;
    case kRsrEcr:
        m_rsr = 0; // any write clears the error flags
        break;
    case kIlpr:
        m_ilpr = v & 0xff;
        break;
    case kIbrd:
        m_ibrd = v & 0xffff;
        break;
    case kFbrd:
        m_fbrd = v & 0x3f;
        break;
    case kLcrH:
        m_lcrH = v & 0xff;
        break;
    case kCr:
        m_cr = v & 0xffff;
        break;
    case kIfls:
        m_ifls = v & 0x3f;
        break;
    case kImsc:
        m_imsc = v & 0x7ff;
        break;
    case kDmacr:
        m_dmacr = v & 0x7;
        break;
    default:
        break; // ICR and read-only or reserved offsets: nothing is latched
    }
}

} // namespace vcm::hyp::board

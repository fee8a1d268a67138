// The virt board's NOR flash: the Intel command set of the CFI specification (JESD68-01, Intel's "Common Flash
// Interface" application note and the command set of its StrataFlash/P30 parts), with the command sequences
// QEMU's hw/block/pflash_cfi01.c accepts. Where this model departs from QEMU it follows the parts: programming
// can only clear bits (NOR cells are erased to 1 and programmed towards 0), an erase happens at its confirm
// (0xd0), the status register reads ready (SR.7) at rest, and the query table describes each 16-bit device
// as half of the bank (256 blocks of 128 KiB), so a driver that multiplies by the interleave gets the bank's
// 256 KiB erase blocks.
#include "vcm/hyp/board/cfi_flash.h"

#include <algorithm>
#include <cstring>

namespace vcm::hyp::board {
namespace {

constexpr std::uint8_t kReadArray = 0xff;
constexpr std::uint8_t kReadStatus = 0x70;
constexpr std::uint8_t kClearStatus = 0x50;
constexpr std::uint8_t kReadIdentifier = 0x90;
constexpr std::uint8_t kCfiQuery = 0x98;
constexpr std::uint8_t kBlockErase = 0x20;
constexpr std::uint8_t kWordProgram = 0x40;
constexpr std::uint8_t kWordProgramAlternate = 0x10;
constexpr std::uint8_t kBufferedProgram = 0xe8;
constexpr std::uint8_t kLockSetup = 0x60;
constexpr std::uint8_t kConfirm = 0xd0;
constexpr std::uint8_t kLockBlock = 0x01;
constexpr std::uint8_t kAmdReset = 0xf0;

constexpr std::uint8_t kReady = 0x80;          // SR.7: the write state machine is ready
constexpr std::uint8_t kEraseError = 0x20;     // SR.5
constexpr std::uint8_t kProgramError = 0x10;   // SR.4; SR.5 and SR.4 together: a bad command sequence

constexpr std::uint16_t kManufacturerIntel = 0x89;
constexpr std::uint16_t kDeviceCode = 0x18; // what QEMU's virt board gives (hw/arm/virt.c virt_flash_create1)

// The CFI query table of one device, by word address (JESD68-01 table 1 and Intel's primary extended table).
constexpr std::array<std::uint8_t, 0x40> queryTable()
{
    std::array<std::uint8_t, 0x40> t{};
    t[0x10] = 'Q';
    t[0x11] = 'R';
    t[0x12] = 'Y';
    t[0x13] = 0x01; // primary command set: Intel/Sharp extended
    t[0x15] = 0x31; // its extended table at word 0x31
    t[0x1b] = 0x45; // Vcc 4.5 V min, 5.5 V max; no Vpp pin
    t[0x1c] = 0x55;
    t[0x1f] = 0x07; // typical word program 2^7 us
    t[0x20] = 0x07; // typical buffer program 2^7 us
    t[0x21] = 0x0a; // typical block erase 2^10 ms
    t[0x23] = 0x04; // maxima: 2^4 times the typical
    t[0x24] = 0x04;
    t[0x25] = 0x04;
    t[0x27] = 25;   // device size 2^25 bytes: two devices make the 64 MiB bank
    t[0x28] = 0x02; // interface: x8/x16
    t[0x2a] = 0x0b; // write buffer 2^11 bytes
    t[0x2c] = 0x01; // one erase block region:
    t[0x2d] = 0xff; //   256 blocks (the count minus one)
    t[0x2f] = 0x00; //   of 0x200 x 256 bytes = 128 KiB
    t[0x30] = 0x02;
    t[0x31] = 'P';
    t[0x32] = 'R';
    t[0x33] = 'I';
    t[0x34] = '1';
    t[0x35] = '0';
    t[0x3f] = 0x01; // one protection register field
    return t;
}
constexpr std::array<std::uint8_t, 0x40> kQueryTable = queryTable();

// A 16-bit answer of one device, as the bank's two devices give it side by side on the 32-bit bus.
constexpr std::uint32_t bothDevices(std::uint32_t perDevice) { return (perDevice & 0xffff) * 0x1'0001u; }

} // namespace

CfiFlash::CfiFlash(std::string name, std::span<std::uint8_t> storage)
    : m_name(std::move(name)), m_storage(storage), m_status(kReady)
{
}

std::uint32_t CfiFlash::answer(std::uint64_t offset) const
{
    // Query and identifier addresses count the devices' 16-bit words, and each device sees the bank's
    // address shifted right by the bank width (its address lines start at A2).
    const std::uint64_t word = offset / kBankWidth;
    switch (m_command) {
    case kReadIdentifier:
        switch (word & 0xff) {
        case 0: return bothDevices(kManufacturerIntel);
        case 1: return bothDevices(kDeviceCode);
        default: return 0; // block lock status (word 2) and the rest: unlocked, zero
        }
    case kCfiQuery:
        return word < kQueryTable.size() ? bothDevices(kQueryTable[word]) : 0;
    default:
        return bothDevices(m_status); // every other command reads the status register
    }
}

std::uint64_t CfiFlash::read(std::uint64_t offset, unsigned bytes, const MmioAccess& /*access*/)
{
    restoreArray();
    std::uint64_t value = 0;
    if (m_readArray) {
        std::memcpy(&value, m_storage.data() + offset, bytes);
        return value;
    }
    // A load wider than the bus is two bus cycles (QEMU splits it likewise).
    for (unsigned done = 0; done < bytes; done += kBankWidth)
        value |= std::uint64_t{answer(offset + done)} << (8 * done);
    if (bytes < 8)
        value &= (std::uint64_t{1} << (8 * bytes)) - 1;
    lend(offset, bytes, value);
    return value;
}

void CfiFlash::write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& /*access*/)
{
    restoreArray();
    if (bytes == 8) { // two bus cycles
        write(offset, 4, value & 0xffff'ffff, MmioAccess{});
        write(offset + 4, 4, value >> 32, MmioAccess{});
        return;
    }
    command(offset, static_cast<std::uint32_t>(value), bytes);
}

void CfiFlash::command(std::uint64_t offset, std::uint32_t value, unsigned bytes)
{
    const auto cmd = static_cast<std::uint8_t>(value); // both devices get the same command; the low one decides
    m_readArray = false;
    if (m_cycle == 0) {
        switch (cmd) {
        case kReadArray:
        case kAmdReset:
        case 0x00:
            toReadArray();
            return;
        case kClearStatus:
            m_status = kReady;
            toReadArray();
            return;
        case kReadStatus:
        case kReadIdentifier:
        case kCfiQuery:
            m_command = cmd;
            return;
        case kBlockErase:
        case kWordProgram:
        case kWordProgramAlternate:
        case kLockSetup:
        case kBufferedProgram: // the buffer is free at once: the status read after it says ready
            m_command = cmd;
            m_cycle = 1;
            return;
        default: // not an Intel command (an AMD unlock cycle, say): back to reading the array
            toReadArray();
            return;
        }
    }
    switch (m_command) {
    case kBlockErase:
        if (cmd == kConfirm) {
            std::fill_n(m_storage.begin() + static_cast<std::ptrdiff_t>(offset & ~(kBlockBytes - 1)), kBlockBytes,
                        std::uint8_t{0xff});
            m_cycle = 0;
        } else if (cmd == kReadArray) {
            toReadArray();
        } else {
            m_status |= kEraseError | kProgramError; // a bad command sequence
            m_cycle = 0;
        }
        return;
    case kWordProgram:
    case kWordProgramAlternate:
        program(offset, value, bytes);
        m_cycle = 0;
        return;
    case kLockSetup:
        if (cmd == kConfirm || cmd == kLockBlock) // unlock, lock: blocks are never locked here
            m_cycle = 0;
        else
            toReadArray();
        return;
    case kBufferedProgram:
        if (m_cycle == 1) { // the count of bus writes to come, minus one, in each device's 16 bits
            m_wordsLeft = value & 0xffff;
            m_cycle = 2;
        } else if (m_cycle == 2) {
            program(offset, value, bytes);
            if (m_wordsLeft == 0)
                m_cycle = 3;
            else
                --m_wordsLeft;
        } else if (cmd == kConfirm) {
            m_cycle = 0;
        } else {
            m_status |= kEraseError | kProgramError;
            m_cycle = 0;
        }
        return;
    default:
        toReadArray();
        return;
    }
}

void CfiFlash::program(std::uint64_t offset, std::uint32_t value, unsigned bytes)
{
    for (unsigned i = 0; i < bytes && offset + i < m_storage.size(); ++i)
        m_storage[offset + i] &= static_cast<std::uint8_t>(value >> (8 * i)); // programming only clears bits
}

void CfiFlash::toReadArray()
{
    m_readArray = true;
    m_command = 0;
    m_cycle = 0;
}

void CfiFlash::lend(std::uint64_t offset, unsigned bytes, std::uint64_t value)
{
    m_lent.offset = offset;
    m_lent.bytes = bytes;
    std::memcpy(m_lent.saved.data(), m_storage.data() + offset, bytes);
    std::memcpy(m_storage.data() + offset, &value, bytes);
}

void CfiFlash::restoreArray()
{
    if (m_lent.bytes == 0)
        return;
    std::memcpy(m_storage.data() + m_lent.offset, m_lent.saved.data(), m_lent.bytes);
    m_lent.bytes = 0;
}

std::span<const std::uint8_t> CfiFlash::contents()
{
    restoreArray();
    return m_storage;
}

} // namespace vcm::hyp::board

// A bank of parallel NOR flash with the Intel/Sharp command set (CFI primary vendor 0x0001), as QEMU's
// pflash_cfi01 presents each of the virt board's two banks: 32 bits wide, made of two 16-bit devices side by
// side (so every command and status is the same 16 bits twice), 256 KiB erase blocks. EDK2 keeps its UEFI
// variables in bank 1 (ArmVirtQemu's VirtNorFlashDxe); U-Boot probes both banks with CFI queries.
//
// Read-array mode is the bank's resting state: loads read its bytes directly, as KVM's read-only memslot (and
// QEMU's "romd" mode) lets them, with no trap. A store is always a command (a trap to the VMM); from the first
// command until the next read-array (0xff) the bank answers loads itself -- status, device identification,
// the CFI query table -- and each such load traps as well.
//
// Commands: 0xff read array; 0x70 read status; 0x50 clear status; 0x90 read identifier; 0x98 CFI query;
// 0x20 + 0xd0 block erase; 0x10/0x40 + data word program; 0xe8 + count + data + 0xd0 buffered program;
// 0x60 + 0xd0/0x01 block unlock/lock (accepted; blocks are never locked). Operations complete at once
// (the status reads ready). Anything else returns the bank to read-array mode, as pflash_cfi01 does.
#pragma once

#include "vcm/hyp/board/mmio_device.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace vcm::hyp::board {

class CfiFlash final : public MmioDevice {
public:
    static constexpr std::uint64_t kBlockBytes = 256 * 1024;
    static constexpr unsigned kBankWidth = 4;   // bytes per bus access (QEMU virt: "width" 4)
    static constexpr unsigned kDeviceWidth = 2; // each of the two devices answers 16 bits ("device-width" 2)

    // `storage`: the bank's bytes, which loads in read-array mode read directly (the board's ROM region).
    CfiFlash(std::string name, std::span<std::uint8_t> storage);

    std::string name() const override { return m_name; }
    std::uint64_t read(std::uint64_t offset, unsigned bytes, const MmioAccess& access) override;
    void write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access) override;
    bool readsArray() const override { return m_readArray; }

    // The bank's contents as the guest left them (to save a variable store across boots).
    std::span<const std::uint8_t> contents();
    std::uint8_t status() const { return m_status; }

private:
    std::uint32_t answer(std::uint64_t offset) const; // one 32-bit bus read in the current command
    void command(std::uint64_t offset, std::uint32_t value, unsigned bytes);
    void program(std::uint64_t offset, std::uint32_t value, unsigned bytes);
    void toReadArray();
    // The engine loads from the bank's bytes even while it is in a command: the answer is placed where the
    // load reads (lend), and the array's bytes are put back at the bank's next access (restoreArray).
    void lend(std::uint64_t offset, unsigned bytes, std::uint64_t value);
    void restoreArray();

    std::string m_name;
    std::span<std::uint8_t> m_storage;
    bool m_readArray = true;
    std::uint8_t m_cycle = 0;   // the write cycle within the current command
    std::uint8_t m_command = 0; // 0: none
    std::uint8_t m_status = 0;  // SR.7 ready, SR.5 erase error, SR.4 program error
    std::uint32_t m_wordsLeft = 0; // buffered program: bus writes still to come, minus one
    struct Lent {
        std::uint64_t offset = 0;
        unsigned bytes = 0; // 0: nothing lent
        std::array<std::uint8_t, 8> saved{};
    } m_lent;
};

} // namespace vcm::hyp::board

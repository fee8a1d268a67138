// The board's part of a VM's guest-physical space: the regions outside stage-2 RAM, as a VMM presents them.
//  - ROM (flash): memory the guest reads and executes in place, read-only to it, as KVM's read-only memslots
//    and QEMU's pflash in read-array mode are. Reads never trap; a write goes to the region's device (flash
//    commands), if it has one. ROM contents never change while a guest runs, so they are kept out of the
//    cache model: a cached copy of them could never be stale.
//  - MMIO: every access traps to EL2 and is emulated by the region's device (KVM_EXIT_MMIO, Xen's ioreq).
// An IPA in neither, and not RAM, is a stage-2 abort.
#pragma once

#include "vcm/hyp/board/interrupt_controller.h"
#include "vcm/hyp/board/mmio_device.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace vcm::hyp::board {

enum class RegionKind : std::uint8_t { Rom, Mmio };

struct BoardRegion {
    std::string name;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    RegionKind kind = RegionKind::Mmio;
    std::uint32_t index = 0;          // its place in BoardBus::regions()
    std::uint8_t* bytes = nullptr;    // ROM: its contents, mapped read-only into every vCPU's engine
    // MMIO: every access (null: a window the board reserves but does not model yet; an access to it stops
    // the vCPU with a message naming it); ROM: writes (null: writes are ignored), and loads while the device
    // says it does not read the array (MmioDevice::readsArray).
    MmioDevice* device = nullptr;
};

class BoardBus {
public:
    BoardBus() = default;
    ~BoardBus();
    BoardBus(const BoardBus&) = delete;
    BoardBus& operator=(const BoardBus&) = delete;

    // A ROM of `size` bytes (whole 4 KiB pages) holding `contents` from its start, zeros after them. Host
    // memory is committed only for the pages written or touched. Returns its bytes (for a device that
    // programs them, such as a flash bank).
    std::span<std::uint8_t> addRom(std::string name, std::uint64_t base, std::uint64_t size, std::span<const std::uint8_t> contents,
                MmioDevice* writes = nullptr);
    void addMmio(std::string name, std::uint64_t base, std::uint64_t size, MmioDevice* device);
    // Puts `device` behind the region added as `name` (a flash bank made over the ROM's own bytes).
    void connect(const std::string& name, MmioDevice* device);

    // The region holding `ipa`, or null.
    const BoardRegion* find(std::uint64_t ipa) const
    {
        for (const BoardRegion& r : m_regions)
            if (ipa >= r.base && ipa - r.base < r.size)
                return &r;
        return nullptr;
    }
    const std::vector<BoardRegion>& regions() const { return m_regions; }

    // The controller the board's CPUs take interrupts from (null: no interrupt controller; WFI then waits
    // for the vCPU's own timer only).
    void setInterruptController(InterruptController* controller) { m_interrupts = controller; }
    InterruptController* interruptController() const { return m_interrupts; }

private:
    InterruptController* m_interrupts = nullptr;
    void checkPlacement(const std::string& name, std::uint64_t base, std::uint64_t size) const;
    std::vector<BoardRegion> m_regions;
};

} // namespace vcm::hyp::board

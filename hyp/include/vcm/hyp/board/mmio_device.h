// A device on the board: what a guest reaches by a load or store to an IPA that stage 2 does not map to RAM.
// On hardware under KVM or Xen such an access is a stage-2 data abort that EL2 (or the VMM behind it)
// emulates; here the vCPU calls the device with the access and the virtual time it happens at. Device
// accesses never look up or allocate in the modelled caches (Device memory, Arm ARM B2.7.2).
#pragma once

#include <cstdint>
#include <string>

namespace vcm::hyp::board {

class GuestServices;

// Who makes an access, and when: devices with per-CPU (banked) registers, such as the GIC's, answer the
// accessing CPU.
struct MmioAccess {
    std::uint32_t cpu = 0;    // the vCPU's index in its VM (its MPIDR Aff0)
    std::uint64_t nowNs = 0;  // the accessing vCPU's virtual time
    GuestServices* guest = nullptr; // the accessing vCPU's services to its guest (the guest port asks them)
};

class MmioDevice {
public:
    virtual ~MmioDevice() = default;
    virtual std::string name() const = 0;
    // `offset` from the device's base, `bytes` 1, 2, 4 or 8.
    virtual std::uint64_t read(std::uint64_t offset, unsigned bytes, const MmioAccess& access) = 0;
    virtual void write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access) = 0;
    // For the device behind a ROM region (a flash bank): whether loads read the ROM's bytes directly, with no
    // trap (read-array mode), or the device answers them (a flash in the middle of a command: QEMU's romd
    // mode off). Devices of MMIO regions answer every load whatever this says.
    virtual bool readsArray() const { return true; }
    // Whether an access costs the vCPU a trap's entry and exit in virtual time. Every device of the board does;
    // vcm's guest port does not, because it is instrumentation (console, markers), which must not perturb the
    // timing it reports on, as vcm's hypercalls never did.
    virtual bool costsTrapTime() const { return true; }
};

} // namespace vcm::hyp::board

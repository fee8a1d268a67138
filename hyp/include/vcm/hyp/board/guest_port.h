// vcm's guest port (guest_abi.h, VCM_GUEST_PORT_*): vcm's services as one page of device registers, so a guest
// needs no hypercall vcm alone understands. Real KVM hands the same stores to its VMM as KVM_EXIT_MMIO, which is
// how one image runs under vcm and under the reference rig's VMM (tests/reference/kvm/vmm). Every VM has it at
// VCM_GUEST_PORT_BASE (Machine::addVm); its accesses are traps like any device's.
#pragma once

#include "vcm/hyp/board/mmio_device.h"

namespace vcm::hyp::board {

class GuestPort final : public MmioDevice {
public:
    std::string name() const override { return "vcm guest port"; }
    std::uint64_t read(std::uint64_t offset, unsigned bytes, const MmioAccess& access) override;
    void write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access) override;
    // Traced and counted as device accesses (an exit to the VMM under real KVM), but free in virtual time.
    bool costsTrapTime() const override { return false; }
};

} // namespace vcm::hyp::board

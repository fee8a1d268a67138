// What a guest asks of vcm itself (guest_abi.h): console output, markers, yielding and exiting. The accessing vCPU
// serves them, whichever transport the guest uses: vcm's SMCCC hypercalls (Vcpu's hypercall path) or stores to the
// guest port (GuestPort, a device like any other). Guest addresses are virtual: the vCPU reads them through the
// guest's own stage 1 and memory type, as its hypercalls always have.
#pragma once

#include <cstdint>
#include <string>

namespace vcm::hyp::board {

class GuestServices {
public:
    virtual ~GuestServices() = default;
    virtual void consoleWrite(std::uint64_t address, std::uint64_t length) = 0;
    virtual void marker(std::uint64_t nameAddress) = 0;
    virtual void exitGuest(std::uint64_t code) = 0;
    virtual void yield() = 0;
    // Stops the vCPU with a fault naming what the guest did wrong (a malformed request): the run ends with a
    // message, the host process does not.
    virtual void refuse(std::string why) = 0;
};

} // namespace vcm::hyp::board

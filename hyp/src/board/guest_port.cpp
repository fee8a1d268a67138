// The guest port's registers (guest_abi.h): each store is one request to the accessing vCPU's GuestServices.
#include "vcm/hyp/board/guest_port.h"

#include "vcm/hyp/board/guest_services.h"
#include "vcm/hyp/guest_abi.h"

#include <fmt/core.h>

namespace vcm::hyp::board {
namespace {

// A request is one 64-bit access (guest_abi.h): anything narrower is refused rather than guessed at, since a VMM
// on real KVM would see a different value.
bool wholeRegister(std::uint64_t offset, unsigned bytes, const MmioAccess& access, const char* what)
{
    if (bytes == 8 && offset % 8 == 0)
        return true;
    access.guest->refuse(fmt::format("a {}-byte {} at offset {:#x} of the guest port: its registers take one 64-bit "
                                     "access (guest_abi.h)",
                                     bytes, what, offset));
    return false;
}

} // namespace

std::uint64_t GuestPort::read(std::uint64_t offset, unsigned bytes, const MmioAccess& access)
{
    if (access.guest == nullptr || !wholeRegister(offset, bytes, access, "load"))
        return 0;
    return offset == VCM_GUEST_PORT_ID ? VCM_GUEST_PORT_MAGIC : 0;
}

void GuestPort::write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access)
{
    if (access.guest == nullptr || !wholeRegister(offset, bytes, access, "store"))
        return;
    GuestServices& guest = *access.guest;
    switch (offset) {
    case VCM_GUEST_PORT_CONSOLE: {
        constexpr std::uint64_t kAddressMask = (std::uint64_t{1} << VCM_GUEST_PORT_LENGTH_SHIFT) - 1;
        guest.consoleWrite(value & kAddressMask, value >> VCM_GUEST_PORT_LENGTH_SHIFT);
        return;
    }
    case VCM_GUEST_PORT_MARKER:
        guest.marker(value);
        return;
    case VCM_GUEST_PORT_EXIT:
        guest.exitGuest(value);
        return;
    case VCM_GUEST_PORT_YIELD:
        guest.yield();
        return;
    default:
        guest.refuse(fmt::format("a store of {:#x} to offset {:#x} of the guest port: no register there "
                                 "(guest_abi.h)",
                                 value, offset));
    }
}

} // namespace vcm::hyp::board

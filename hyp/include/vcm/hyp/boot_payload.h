// The boot payload a toolstack writes for the boot-image guest (layout in hyp/guests/runtime/vcm_boot_payload.h,
// shared with the guest): magic, length, data, FNV-1a hash of the data.
#pragma once

#include <cstdint>
#include <vector>

namespace vcm::hyp {

// A payload of `dataBytes` bytes of a fixed pattern, with its header and hash; throws std::invalid_argument
// when it does not fit the guest's payload region.
std::vector<std::uint8_t> buildBootPayload(std::uint64_t dataBytes);

// Where the boot-image guest looks for it.
std::uint64_t bootPayloadIpa();

} // namespace vcm::hyp

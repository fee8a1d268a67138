#include "vcm/hyp/boot_payload.h"

#include "vcm_boot_payload.h"

#include <fmt/core.h>

#include <cstring>
#include <stdexcept>

namespace vcm::hyp {

std::vector<std::uint8_t> buildBootPayload(std::uint64_t dataBytes)
{
    if (dataBytes > VCM_BOOT_PAYLOAD_MAX_DATA_BYTES)
        throw std::invalid_argument(fmt::format("a boot payload of {} bytes exceeds the guest's {} bytes", dataBytes,
                                                VCM_BOOT_PAYLOAD_MAX_DATA_BYTES));
    std::vector<std::uint8_t> payload(VCM_BOOT_PAYLOAD_HEADER_BYTES + dataBytes + VCM_BOOT_PAYLOAD_HASH_BYTES);
    const std::uint64_t magic = VCM_BOOT_PAYLOAD_MAGIC;
    std::memcpy(payload.data(), &magic, 8);
    std::memcpy(payload.data() + 8, &dataBytes, 8);
    for (std::uint64_t i = 0; i < dataBytes; ++i)
        payload[VCM_BOOT_PAYLOAD_HEADER_BYTES + i] = static_cast<std::uint8_t>((i * 131) ^ (i >> 8));
    const std::uint64_t hash = vcm_fnv1a64(payload.data() + VCM_BOOT_PAYLOAD_HEADER_BYTES, dataBytes);
    std::memcpy(payload.data() + VCM_BOOT_PAYLOAD_HEADER_BYTES + dataBytes, &hash, 8);
    return payload;
}

std::uint64_t bootPayloadIpa()
{
    return VCM_BOOT_PAYLOAD_IPA;
}

} // namespace vcm::hyp

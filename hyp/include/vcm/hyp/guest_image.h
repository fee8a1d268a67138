// A raw AArch64 guest image (objcopy -O binary output) read from disk, ready to load at the RAM base.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace vcm::hyp {

// Raised when an image cannot be used; the message names the file and what was expected.
class GuestImageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct GuestImage {
    std::filesystem::path path;
    std::vector<std::uint8_t> bytes;

    // Reads the file whole. Throws GuestImageError if it is missing, unreadable, empty, or larger
    // than the space the guest linker script reserves (VCM_GUEST_IMAGE_MAX).
    static GuestImage load(const std::filesystem::path& path);
    // The same with another limit: `room` says whose (e.g. "flash bank 0 holds").
    static GuestImage load(const std::filesystem::path& path, std::uint64_t maxBytes, const std::string& room);

    // "sha256:" and the SHA-256 of the bytes in hex: how a trace names the image it ran, so a replay can
    // tell that the image changed since.
    std::string contentHash() const;
};

} // namespace vcm::hyp

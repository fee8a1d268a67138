// Reading raw guest images from disk.
#include "vcm/hyp/guest_image.h"

#include "vcm/hyp/guest_abi.h"

#include <fmt/core.h>
#include <fmt/std.h>

#include <nettle/sha2.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>

namespace vcm::hyp {

GuestImage GuestImage::load(const std::filesystem::path& path)
{
    return load(path, VCM_GUEST_IMAGE_MAX, "the guest linker script reserves");
}

GuestImage GuestImage::load(const std::filesystem::path& path, std::uint64_t maxBytes, const std::string& room)
{
    // Only a regular file (or a link to one) is an image, and its size is checked before it is read: /dev/zero
    // or a FIFO would be read forever, a directory fails with a stream error that names nothing.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (std::filesystem::is_directory(status))
        throw GuestImageError(fmt::format("{}: is a directory, not a guest image", path));
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        throw GuestImageError(fmt::format("{}: not a regular file (a device, FIFO or socket is not a guest image)",
                                          path));
    if (std::filesystem::is_regular_file(status)) {
        const std::uint64_t size = std::filesystem::file_size(path, ec);
        if (!ec && size > maxBytes)
            throw GuestImageError(fmt::format("{}: guest image is {} bytes, more than the {} bytes {}", path, size,
                                              maxBytes, room));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw GuestImageError(fmt::format("{}: cannot open guest image", path));
    GuestImage image{path, std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {})};
    if (in.bad())
        throw GuestImageError(fmt::format("{}: read error", path));
    if (image.bytes.empty())
        throw GuestImageError(fmt::format("{}: guest image is empty (expected a raw AArch64 binary)", path));
    if (image.bytes.size() > maxBytes)
        throw GuestImageError(fmt::format("{}: guest image is {} bytes, more than the {} bytes {}", path,
                                          image.bytes.size(), maxBytes, room));
    return image;
}

std::string GuestImage::contentHash() const
{
    // Nettle rather than OpenSSL: OpenSSL 3's first digest in a process loads its default provider
    // (about 1 ms), which every traced run paid for its run_configuration.
    sha256_ctx context;
    sha256_init(&context);
    sha256_update(&context, bytes.size(), bytes.data());
    std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
    sha256_digest(&context, digest.size(), digest.data());
    std::string hex = "sha256:";
    for (std::uint8_t byte : digest)
        hex += fmt::format("{:02x}", byte);
    return hex;
}

} // namespace vcm::hyp

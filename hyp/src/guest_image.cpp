// Reading raw guest images from disk.
#include "vcm/hyp/guest_image.h"

#include "vcm/hyp/guest_abi.h"

#include <fmt/core.h>
#include <fmt/std.h>

#include <openssl/evp.h>

#include <fstream>
#include <iterator>

namespace vcm::hyp {

GuestImage GuestImage::load(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw GuestImageError(fmt::format("{}: cannot open guest image", path));
    GuestImage image{path, std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {})};
    if (in.bad())
        throw GuestImageError(fmt::format("{}: read error", path));
    if (image.bytes.empty())
        throw GuestImageError(fmt::format("{}: guest image is empty (expected a raw AArch64 binary)", path));
    if (image.bytes.size() > VCM_GUEST_IMAGE_MAX)
        throw GuestImageError(fmt::format("{}: guest image is {} bytes, more than the {} bytes the guest "
                                          "linker script reserves",
                                          path, image.bytes.size(), VCM_GUEST_IMAGE_MAX));
    return image;
}

std::string GuestImage::contentHash() const
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw GuestImageError(fmt::format("{}: SHA-256 failed (libcrypto)", path));
    std::string hex = "sha256:";
    for (unsigned int i = 0; i < length; ++i)
        hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

} // namespace vcm::hyp

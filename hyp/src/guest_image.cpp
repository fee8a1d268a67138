// Reading raw guest images from disk.
#include "vcm/hyp/guest_image.h"

#include "vcm/hyp/guest_abi.h"

#include <fmt/core.h>
#include <fmt/std.h>

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

} // namespace vcm::hyp

#include "vcm/hyp/hyp_version.h"

#include <fmt/core.h>
#include <unicorn/unicorn.h>

namespace vcm::hyp {

std::string unicornVersion()
{
    unsigned major = 0;
    unsigned minor = 0;
    const unsigned combined = uc_version(&major, &minor);
    // uc_version() packs major.minor.patch.extra one byte each (UC_MAKE_VERSION in unicorn.h).
    return fmt::format("{}.{}.{}", major, minor, (combined >> 8) & 0xffu);
}

} // namespace vcm::hyp

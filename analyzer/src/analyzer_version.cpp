#include "vcm/analyzer/analyzer_version.h"

#include <babeltrace2/babeltrace.h>
#include <fmt/core.h>

namespace vcm::analyzer {

std::string babeltraceVersion()
{
    return fmt::format("{}.{}.{}", bt_version_get_major(), bt_version_get_minor(), bt_version_get_patch());
}

} // namespace vcm::analyzer

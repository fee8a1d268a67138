#include "vcm/tracer/tracer_version.h"

#include <fmt/core.h>
#include <lttng/ust-version.h>

namespace vcm::tracer {

std::string lttngUstVersion()
{
    return fmt::format("{}.{}.{}", LTTNG_UST_MAJOR_VERSION, LTTNG_UST_MINOR_VERSION, LTTNG_UST_PATCHLEVEL_VERSION);
}

} // namespace vcm::tracer

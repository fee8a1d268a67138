// Versions of the LTTng libraries the tracer was built against, for `vcm --version` and run metadata.
#pragma once

#include <string>

namespace vcm::tracer {

// "major.minor.patch" of the LTTng-UST headers this library was compiled with.
std::string lttngUstVersion();

} // namespace vcm::tracer

// Version of the Babeltrace2 library the analyzer reads traces with.
#pragma once

#include <string>

namespace vcm::analyzer {

// "major.minor.patch" reported at run time by libbabeltrace2 (bt_version_get_*).
std::string babeltraceVersion();

} // namespace vcm::analyzer

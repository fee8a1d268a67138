// Version of the Unicorn engine the vCPUs run on.
#pragma once

#include <string>

namespace vcm::hyp {

// "major.minor.patch" as reported at run time by uc_version().
std::string unicornVersion();

} // namespace vcm::hyp

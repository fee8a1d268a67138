#include "scenario_arguments.h"

#include "vcm/hyp/scenario/scenario_run.h"

#include <fmt/core.h>

namespace vcm::hyp::cli {

std::vector<std::string> withPolicyAndSeed(std::vector<std::string> overrides, const std::string& policy,
                                           std::optional<std::uint64_t> seed)
{
    if (!policy.empty())
        overrides.push_back("policy.name=\"" + policy + "\"");
    if (seed)
        overrides.push_back(fmt::format("seed={}", *seed));
    return overrides;
}

std::filesystem::path guestDirectory(const std::string& option)
{
    return option.empty() ? hyp::scenario::defaultGuestDirectory() : std::filesystem::path(option);
}

} // namespace vcm::hyp::cli

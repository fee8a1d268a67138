// What vcm run and vcm matrix share: the command-line --policy and --seed as scenario overrides, and where
// guest programs are looked up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vcm::hyp::cli {

// `overrides` plus policy.name and seed when given (the scenario's own otherwise).
std::vector<std::string> withPolicyAndSeed(std::vector<std::string> overrides, const std::string& policy,
                                           std::optional<std::uint64_t> seed);
// --guest-dir, or the build's guest directory when empty.
std::filesystem::path guestDirectory(const std::string& option);

} // namespace vcm::hyp::cli

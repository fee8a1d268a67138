// libFuzzer harness: the scenario loader, vcm::hyp::scenario::loadScenario (docs/fuzzing.md).
//
// Input: a scenario file's text, then optionally a NUL byte and `--set` overrides, one per line. A NUL ends the
// text because TOML refuses one anywhere in a document: no scenario loses anything by it, and the shipped
// scenarios are seeds as they are. Whatever the input, loadScenario returns a scenario or throws ScenarioError
// (its header documents no other error); anything else escaping, a sanitizer report or a hang is a finding.
#include "fuzz_temp_dir.h"

#include "vcm/hyp/scenario/scenario.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t separator = input.find('\0');
    const std::string_view text = input.substr(0, separator);
    std::vector<std::string> overrides;
    if (separator != std::string_view::npos) {
        std::string_view rest = input.substr(separator + 1);
        while (!rest.empty()) {
            const std::size_t end = rest.find('\n');
            if (std::string_view line = rest.substr(0, end); !line.empty())
                overrides.emplace_back(line);
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        }
    }
    const std::filesystem::path file = vcm::fuzz::writeTempFile("scenario.toml", text);
    try {
        const vcm::hyp::scenario::Scenario s = vcm::hyp::scenario::loadScenario(file, overrides);
        // What loadScenario promises of a scenario it returns (its own checks): a VM at least, each with the
        // 16 MiB its guest image and payload need.
        if (s.vms.empty())
            __builtin_trap();
        for (const vcm::hyp::scenario::VmPlan& vm : s.vms)
            if (vm.spec.ramBytes < (16u << 20))
                __builtin_trap();
    } catch (const vcm::hyp::scenario::ScenarioError&) {
        // the documented refusal
    }
    return 0;
}

// libFuzzer harness: the `vcm check` rules loader, vcm::analyzer::loadRules (docs/fuzzing.md).
//
// Input: a rules file's text. loadRules returns rules or throws RulesError naming the file and line (its header
// documents no other error); anything else escaping, a sanitizer report or a hang is a finding.
#include "fuzz_temp_dir.h"

#include "vcm/analyzer/check_rules.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::filesystem::path file =
        vcm::fuzz::writeTempFile("rules.toml", std::string_view(reinterpret_cast<const char*>(data), size));
    try {
        const vcm::analyzer::Rules rules = vcm::analyzer::loadRules(file);
        // What evaluateRules relies on without checking again: every measure is a known one.
        for (const vcm::analyzer::MeasureRule& rule : rules.measures) {
            bool known = false;
            for (const vcm::analyzer::MeasureInfo& info : vcm::analyzer::measureInfos())
                known = known || rule.measure == info.name;
            if (!known)
                __builtin_trap();
        }
    } catch (const vcm::analyzer::RulesError&) {
        // the documented refusal
    }
    return 0;
}

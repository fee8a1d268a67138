#include "vcm/analyzer/junit_report.h"

#include "text_format.h"

#include <fmt/core.h>

#include <algorithm>

namespace vcm::analyzer {

std::string renderJUnit(const std::string& suiteName, const std::vector<RuleOutcome>& outcomes)
{
    const auto failures = std::count_if(outcomes.begin(), outcomes.end(), [](const RuleOutcome& o) { return !o.passed; });
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += fmt::format("<testsuites name=\"vcm check\" tests=\"{}\" failures=\"{}\">\n", outcomes.size(), failures);
    xml += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n", markupEscape(suiteName),
                       outcomes.size(), failures);
    for (const RuleOutcome& o : outcomes) {
        xml += fmt::format("    <testcase classname=\"vcm.check\" name=\"{}\">\n", markupEscape(o.name));
        if (!o.passed)
            xml += fmt::format("      <failure message=\"{}\">{}</failure>\n",
                               markupEscape(fmt::format("expected {}, found {}", o.expected, o.actual)),
                               markupEscape(o.evidence));
        else
            xml += fmt::format("      <system-out>{}</system-out>\n",
                               markupEscape(fmt::format("{} (expected {})", o.actual, o.expected)));
        xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n</testsuites>\n";
    return xml;
}

} // namespace vcm::analyzer

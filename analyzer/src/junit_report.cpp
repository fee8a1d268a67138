#include "vcm/analyzer/junit_report.h"

#include <fmt/core.h>

#include <algorithm>

namespace vcm::analyzer {
namespace {

std::string xmlEscape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            // XML 1.0 forbids most control characters, even escaped.
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t')
                out += c;
        }
    }
    return out;
}

} // namespace

std::string renderJUnit(const std::string& suiteName, const std::vector<RuleOutcome>& outcomes)
{
    const auto failures = std::count_if(outcomes.begin(), outcomes.end(), [](const RuleOutcome& o) { return !o.passed; });
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += fmt::format("<testsuites name=\"vcm check\" tests=\"{}\" failures=\"{}\">\n", outcomes.size(), failures);
    xml += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n", xmlEscape(suiteName),
                       outcomes.size(), failures);
    for (const RuleOutcome& o : outcomes) {
        xml += fmt::format("    <testcase classname=\"vcm.check\" name=\"{}\">\n", xmlEscape(o.name));
        if (!o.passed)
            xml += fmt::format("      <failure message=\"{}\">{}</failure>\n",
                               xmlEscape(fmt::format("expected {}, found {}", o.expected, o.actual)),
                               xmlEscape(o.evidence));
        else
            xml += fmt::format("      <system-out>{}</system-out>\n",
                               xmlEscape(fmt::format("{} (expected {})", o.actual, o.expected)));
        xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n</testsuites>\n";
    return xml;
}

} // namespace vcm::analyzer

#include "text_format.h"

#include <fmt/core.h>

namespace vcm::analyzer {

std::string formatDuration(std::uint64_t ns)
{
    if (ns >= 1'000'000'000)
        return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
    if (ns >= 1'000'000)
        return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6);
    if (ns >= 1'000)
        return fmt::format("{:.1f} us", static_cast<double>(ns) / 1e3);
    return fmt::format("{} ns", ns);
}

std::string markupEscape(const std::string& text)
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
            out += "&#39;";
            break;
        default:
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t')
                out += c;
        }
    }
    return out;
}

} // namespace vcm::analyzer

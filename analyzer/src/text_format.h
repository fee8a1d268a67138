// Small text formats shared by the detectors, the reports and the JUnit writer.
#pragma once

#include <cstdint>
#include <string>

namespace vcm::analyzer {

// "1.234 ms", "850 ns": virtual durations for people.
std::string formatDuration(std::uint64_t ns);
// Escapes & < > " ' for XML and HTML text and attribute values; drops the control characters XML 1.0
// forbids even escaped (all below 0x20 except tab and newline).
std::string markupEscape(const std::string& text);

} // namespace vcm::analyzer

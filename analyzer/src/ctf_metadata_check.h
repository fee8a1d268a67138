// A structural check of a CTF trace's metadata file before Babeltrace2 sees it. Babeltrace2 2.0 (and its
// CLI) loops forever reading a packetized metadata file cut inside a packet (issue 20: metadata truncated to
// 100, 6826 or 10240 bytes hangs in src.ctf.fs's initialization, where no graph interrupter is checked), so
// vcm checks what that loop trusts: every packet header's magic and sizes, and that each packet is whole.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace vcm::analyzer {

// Why `metadata` (a CTF 1.8 metadata file: packetized, or plain text starting "/* CTF") cannot be read, or
// nothing. It does not parse the TSDL inside: Babeltrace2 does that, and reports what it finds.
std::optional<std::string> ctfMetadataProblem(const std::filesystem::path& metadata);

// The TSDL text of `metadata`: the contents of its packets one after the other, or the file itself when it is
// plain text. Call it once ctfMetadataProblem has found nothing wrong.
std::string ctfMetadataText(const std::filesystem::path& metadata);

} // namespace vcm::analyzer

#include "ctf_stream_check.h"

#include <fmt/core.h>

#include <array>
#include <cstdint>
#include <fstream>

namespace vcm::analyzer {
namespace {

// CTF 1.8 section 5: a data stream packet starts with the magic 0xC1FC1FC1.
constexpr std::uint32_t kStreamPacketMagic = 0xC1FC1FC1;
// LTTng-UST's packet header (4 + 16 + 4 + 8 bytes) then the context's two timestamps (8 + 8): content_size and
// packet_size (in bits) follow, and the fixed part of a packet ends after them.
constexpr std::size_t kContentSizeOffset = 48;
constexpr std::size_t kPacketSizeOffset = 56;
constexpr std::size_t kCheckedBytes = 64;

// What the metadata must declare (whitespace collapsed) for those offsets to hold.
constexpr std::array kLttngUstLayout = {
    "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;",
    "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;",
    "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;",
    "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; } := "
    "uint64_clock_monotonic_t;",
    "packet.header := struct { uint32_t magic; uint8_t uuid[16]; uint32_t stream_id; uint64_t stream_instance_id; };",
    "struct packet_context { uint64_clock_monotonic_t timestamp_begin; uint64_clock_monotonic_t timestamp_end; "
    "uint64_t content_size; uint64_t packet_size;",
};

std::string collapseWhitespace(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    bool space = false;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (space && !out.empty())
            out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::uint64_t readUnsigned(const std::array<unsigned char, kCheckedBytes>& bytes, std::size_t at, std::size_t size,
                           bool littleEndian)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i)
        value |= std::uint64_t{bytes[at + i]} << (8 * (littleEndian ? i : size - 1 - i));
    return value;
}

std::optional<std::string> packetProblem(const std::filesystem::path& stream, bool littleEndian)
{
    // Unbuffered: each check reads its 64 bytes, not a buffer's worth of the packet (packets may be 4 KiB).
    std::ifstream in;
    in.rdbuf()->pubsetbuf(nullptr, 0);
    in.open(stream, std::ios::binary);
    if (!in)
        return fmt::format("{}: cannot be read", stream.string());
    std::error_code error;
    const std::uint64_t fileBytes = std::filesystem::file_size(stream, error);
    if (error)
        return fmt::format("{}: cannot be read: {}", stream.string(), error.message());
    std::uint64_t at = 0;
    for (std::uint64_t packet = 0; at < fileBytes; ++packet) {
        const std::uint64_t left = fileBytes - at;
        if (left < kCheckedBytes)
            return fmt::format("{}: packet {} at byte {}: {} bytes left, less than a packet's header and context: "
                               "the trace is truncated",
                               stream.string(), packet, at, left);
        std::array<unsigned char, kCheckedBytes> bytes{};
        in.seekg(static_cast<std::streamoff>(at));
        in.read(reinterpret_cast<char*>(bytes.data()), kCheckedBytes);
        if (!in)
            return fmt::format("{}: packet {} at byte {}: cannot be read", stream.string(), packet, at);
        if (readUnsigned(bytes, 0, 4, littleEndian) != kStreamPacketMagic)
            return fmt::format("{}: packet {} at byte {}: no packet magic (0xC1FC1FC1): the trace is damaged",
                               stream.string(), packet, at);
        const std::uint64_t contentBits = readUnsigned(bytes, kContentSizeOffset, 8, littleEndian);
        const std::uint64_t packetBits = readUnsigned(bytes, kPacketSizeOffset, 8, littleEndian);
        if (packetBits % 8 != 0 || packetBits < kCheckedBytes * 8 || contentBits < kCheckedBytes * 8 ||
            contentBits > packetBits)
            return fmt::format("{}: packet {} at byte {}: content size {} bits, packet size {} bits: the trace is "
                               "damaged",
                               stream.string(), packet, at, contentBits, packetBits);
        if (packetBits / 8 > left)
            return fmt::format("{}: packet {} at byte {} claims {} bytes, but the file has {} left: the trace is "
                               "truncated",
                               stream.string(), packet, at, packetBits / 8, left);
        at += packetBits / 8;
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> ctfStreamProblem(const std::filesystem::path& trace, const std::string& tsdl)
{
    const std::string declared = collapseWhitespace(tsdl);
    for (const char* declaration : kLttngUstLayout)
        if (declared.find(declaration) == std::string::npos)
            return std::nullopt; // another layout: Babeltrace2 alone judges it
    const bool little = declared.find("byte_order = le;") != std::string::npos;
    if (!little && declared.find("byte_order = be;") == std::string::npos)
        return std::nullopt;

    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(trace, error)) {
        const std::string name = entry.path().filename().string();
        // The data streams are the directory's other regular files (LTTng keeps its index in index/).
        if (name == "metadata" || name.starts_with(".") || !entry.is_regular_file())
            continue;
        if (std::optional<std::string> problem = packetProblem(entry.path(), little))
            return problem;
    }
    if (error)
        return fmt::format("{}: cannot be listed: {}", trace.string(), error.message());
    return std::nullopt;
}

} // namespace vcm::analyzer

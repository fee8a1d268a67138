#include "ctf_metadata_check.h"

#include <fmt/core.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <vector>

namespace vcm::analyzer {
namespace {

// CTF 1.8, section 7.1 "Metadata packet header": magic (u32, 0x75D11D57, in the tracer's byte order), uuid
// (16 bytes), checksum (u32), content_size and packet_size (u32, in bits), then five one-byte fields
// (compression, encryption, checksum scheme, major, minor): 37 bytes.
constexpr std::uint32_t kPacketMagic = 0x75D11D57;
constexpr std::size_t kHeaderBytes = 37;
constexpr std::size_t kContentSizeOffset = 24;
constexpr std::size_t kPacketSizeOffset = 28;

std::uint32_t readU32(const std::vector<char>& bytes, std::size_t at, bool littleEndian)
{
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto byte = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i]));
        value |= byte << (8 * (littleEndian ? i : 3 - i));
    }
    return value;
}

std::vector<char> readWhole(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

std::optional<std::string> ctfMetadataProblem(const std::filesystem::path& metadata)
{
    if (!std::ifstream(metadata, std::ios::binary))
        return fmt::format("{}: cannot be read", metadata.string());
    const std::vector<char> bytes = readWhole(metadata);
    if (bytes.size() < 4)
        return fmt::format("{}: {} bytes: too short to be CTF metadata", metadata.string(), bytes.size());
    const bool little = readU32(bytes, 0, true) == kPacketMagic;
    const bool big = readU32(bytes, 0, false) == kPacketMagic;
    if (!little && !big)
        return std::nullopt; // plain-text metadata: Babeltrace2's parser reports what is wrong with it
    std::size_t at = 0;
    for (std::size_t packet = 0; at < bytes.size(); ++packet) {
        const std::size_t left = bytes.size() - at;
        if (left < kHeaderBytes)
            return fmt::format("{}: packet {} at byte {}: {} bytes left, less than a packet header ({}): the metadata "
                               "is truncated",
                               metadata.string(), packet, at, left, kHeaderBytes);
        if (readU32(bytes, at, little) != kPacketMagic)
            return fmt::format("{}: packet {} at byte {}: no metadata packet magic: the metadata is damaged",
                               metadata.string(), packet, at);
        const std::uint32_t contentBits = readU32(bytes, at + kContentSizeOffset, little);
        const std::uint32_t packetBits = readU32(bytes, at + kPacketSizeOffset, little);
        if (packetBits % 8 != 0 || packetBits < kHeaderBytes * 8 || contentBits < kHeaderBytes * 8 ||
            contentBits > packetBits)
            return fmt::format("{}: packet {} at byte {}: content size {} bits, packet size {} bits: the metadata is "
                               "damaged",
                               metadata.string(), packet, at, contentBits, packetBits);
        if (packetBits / 8 > left)
            return fmt::format("{}: packet {} at byte {} claims {} bytes, but the file has {} left: the metadata is "
                               "truncated",
                               metadata.string(), packet, at, packetBits / 8, left);
        at += packetBits / 8;
    }
    return std::nullopt;
}

std::string ctfMetadataText(const std::filesystem::path& metadata)
{
    const std::vector<char> bytes = readWhole(metadata);
    if (bytes.size() < 4)
        return {};
    const bool little = readU32(bytes, 0, true) == kPacketMagic;
    if (!little && readU32(bytes, 0, false) != kPacketMagic)
        return std::string(bytes.begin(), bytes.end());
    std::string text;
    for (std::size_t at = 0; at + kHeaderBytes <= bytes.size();) {
        const std::size_t contentBytes = readU32(bytes, at + kContentSizeOffset, little) / 8;
        const std::size_t packetBytes = readU32(bytes, at + kPacketSizeOffset, little) / 8;
        if (packetBytes < kHeaderBytes || contentBytes < kHeaderBytes || contentBytes > bytes.size() - at)
            break; // ctfMetadataProblem reports this
        text.append(bytes.data() + at + kHeaderBytes, contentBytes - kHeaderBytes);
        at += packetBytes;
    }
    return text;
}

} // namespace vcm::analyzer

// The access patterns shared by the vcm benchmark and the native loop cachegrind runs, so both see the same stream.
#pragma once

#include <cstdint>
#include <vector>

namespace vcm::bench {

// Where guest RAM starts in the machines vcm models; the native loop only uses the offsets.
constexpr std::uint64_t kBaseAddress = 0x40000000;
constexpr std::uint64_t kWordBytes = 8;

// Half the 32 KiB L1: after one warm-up pass every access hits, whatever the replacement order.
constexpr std::uint64_t kL1WorkingSetBytes = 16u << 10;
// Far beyond L1 + L2 + system cache (4.5 MiB on one core's path): each new line evicts a dirty one all the way to
// RAM.
constexpr std::uint64_t kStreamingBytes = 64u << 20;
constexpr std::uint64_t kNonCacheableBytes = 1u << 20;

// The L1 mix cycles through a fixed table rather than drawing numbers in the timed loop, so the generator's cost is
// not measured; 4096 entries is twice the 2048 words of the working set, enough that the order does not repeat per set.
// An entry is packed into 16 bits (word index << 1 | write) so that, natively, table and buffer together (24 KiB)
// still fit the simulated 32 KiB L1 and cachegrind sees the same all-hit pattern vcm does.
constexpr std::uint32_t kL1MixLength = 4096;
constexpr std::uint32_t kL1MixWritePercent = 30;

using L1MixAccess = std::uint16_t;

constexpr std::uint64_t l1MixOffset(L1MixAccess access)
{
    return static_cast<std::uint64_t>(access >> 1) * kWordBytes;
}

constexpr bool l1MixIsWrite(L1MixAccess access)
{
    return (access & 1) != 0;
}

// SplitMix64: deterministic across compilers and libraries, unlike std::uniform_int_distribution.
inline std::uint64_t splitMix64(std::uint64_t& state)
{
    std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

inline std::vector<L1MixAccess> makeL1Mix()
{
    constexpr std::uint64_t words = kL1WorkingSetBytes / kWordBytes;
    static_assert(words * 2 <= 0x10000, "a word index and the write bit must fit an L1MixAccess");
    std::uint64_t state = 2024;
    std::vector<L1MixAccess> pattern(kL1MixLength);
    for (L1MixAccess& access : pattern) {
        const std::uint64_t word = splitMix64(state) % words;
        const bool write = splitMix64(state) % 100 < kL1MixWritePercent;
        access = static_cast<L1MixAccess>((word << 1) | (write ? 1u : 0u));
    }
    return pattern;
}

// Streaming and non-cacheable: access k reads (even k) or writes (odd k) word k / 2, wrapping at the region's end.
constexpr std::uint64_t sequentialOffset(std::uint64_t access, std::uint64_t regionBytes)
{
    return ((access >> 1) * kWordBytes) % regionBytes;
}

constexpr bool sequentialIsWrite(std::uint64_t access)
{
    return (access & 1) != 0;
}

} // namespace vcm::bench

// The vcm benchmark's access patterns as plain loads and stores, for cachegrind to simulate as the comparison.
//
// Usage: native_access_loop l1mix|streaming <accesses>
// Accesses go through a volatile pointer so each one stays a single 8-byte load or store: the compiler may neither
// vectorise the stream nor drop the reads, which would leave cachegrind simulating a different access count.
#include "access_pattern.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

namespace bench = vcm::bench;

std::uint64_t runL1Mix(volatile std::uint64_t* buffer, std::uint64_t accesses)
{
    const std::vector<bench::L1MixAccess> pattern = bench::makeL1Mix();
    std::uint64_t sum = 0;
    for (std::uint64_t k = 0; k < accesses; ++k) {
        const bench::L1MixAccess access = pattern[k % bench::kL1MixLength];
        const std::uint64_t word = bench::l1MixOffset(access) / bench::kWordBytes;
        if (bench::l1MixIsWrite(access))
            buffer[word] = k;
        else
            sum += buffer[word];
    }
    return sum;
}

std::uint64_t runStreaming(volatile std::uint64_t* buffer, std::uint64_t accesses)
{
    std::uint64_t sum = 0;
    for (std::uint64_t k = 0; k < accesses; ++k) {
        const std::uint64_t word = bench::sequentialOffset(k, bench::kStreamingBytes) / bench::kWordBytes;
        if (bench::sequentialIsWrite(k))
            buffer[word] = k;
        else
            sum += buffer[word];
    }
    return sum;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s l1mix|streaming <accesses>\n", argv[0]);
        return 2;
    }
    const std::string_view pattern = argv[1];
    char* end = nullptr;
    const std::uint64_t accesses = std::strtoull(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0') {
        std::fprintf(stderr, "native_access_loop: '%s' is not an access count\n", argv[2]);
        return 2;
    }
    const bool streaming = pattern == "streaming";
    if (!streaming && pattern != "l1mix") {
        std::fprintf(stderr, "native_access_loop: unknown pattern '%s' (l1mix or streaming)\n", argv[1]);
        return 2;
    }
    // calloc rather than a zero-filled vector: the kernel hands out zero pages, so setting up 64 MiB adds no
    // stores for cachegrind to simulate before the loop starts.
    const std::uint64_t bytes = streaming ? bench::kStreamingBytes : bench::kL1WorkingSetBytes;
    auto* buffer = static_cast<std::uint64_t*>(std::calloc(bytes / bench::kWordBytes, bench::kWordBytes));
    if (buffer == nullptr) {
        std::fprintf(stderr, "native_access_loop: cannot allocate %llu bytes\n",
                     static_cast<unsigned long long>(bytes));
        return 1;
    }
    const std::uint64_t sum = streaming ? runStreaming(buffer, accesses) : runL1Mix(buffer, accesses);
    std::free(buffer);
    // Printing the sum keeps the reads observable even to a compiler that sees through the volatile accesses' use.
    std::printf("%s %llu accesses, checksum %llu\n", argv[1], static_cast<unsigned long long>(accesses),
                static_cast<unsigned long long>(sum));
    return 0;
}

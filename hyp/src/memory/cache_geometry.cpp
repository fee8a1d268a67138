// Validation of machine topologies: what the model and the CCSIDR_EL1 encoding can represent.
#include "vcm/hyp/memory/cache_geometry.h"

#include <bit>
#include <fmt/core.h>

namespace vcm::hyp::memory {
namespace {

// `describedByCcsidr`: L1 and L2 are reported through the 32-bit CCSIDR_EL1 format, whose
// Associativity field has 10 bits and NumSets 15 bits (Arm ARM D24.2.x, no FEAT_CCIDX).
void validateCache(const char* name, const CacheGeometry& cache, std::uint32_t lineBytes, bool describedByCcsidr)
{
    if (cache.ways == 0)
        throw GeometryError(fmt::format("{}: ways must be at least 1", name));
    const std::uint64_t wayBytes = std::uint64_t{cache.ways} * lineBytes;
    if (cache.sizeBytes == 0 || cache.sizeBytes % wayBytes != 0)
        throw GeometryError(fmt::format("{}: size {} bytes is not a positive multiple of ways x line = {} bytes", name,
                                        cache.sizeBytes, wayBytes));
    const std::uint64_t sets = cache.sizeBytes / wayBytes;
    if (describedByCcsidr && (cache.ways > 1024 || sets > 32768))
        throw GeometryError(fmt::format("{}: {} ways x {} sets does not fit CCSIDR_EL1 (at most 1024 ways and "
                                        "32768 sets)",
                                        name, cache.ways, sets));
    if (sets > 0xffffffffu)
        throw GeometryError(fmt::format("{}: {} sets is too many", name, sets));
}

} // namespace

void MachineTopology::validate() const
{
    if (clusters == 0 || coresPerCluster == 0)
        throw GeometryError(fmt::format("topology: {} clusters x {} cores per cluster; both must be at least 1",
                                        clusters, coresPerCluster));
    if (!std::has_single_bit(lineBytes) || lineBytes < 16 || lineBytes > 256)
        throw GeometryError(fmt::format("lineBytes: {} is not a power of two between 16 and 256", lineBytes));
    validateCache("l1", l1, lineBytes, true);
    validateCache("l2", l2, lineBytes, true);
    if (hasSystemCache())
        validateCache("systemCache", systemCache, lineBytes, false);
}

} // namespace vcm::hyp::memory

#include "vcm/hyp/policy/xen_p2m_root.h"

#include "vcm/hyp/policy/cache_policy.h"

#include <fmt/core.h>

#include <algorithm>

namespace vcm::hyp::policy {

XenP2mRoot XenP2mRoot::forIpaBits(std::uint64_t ipaBits)
{
    // pa_range_info[] of arm64 (PA size, root order, SL0): SL0 = 1 starts the walk at level 1, SL0 = 2 at
    // level 0 (4 KiB granule); the root is 2^order concatenated pages.
    struct Row {
        unsigned bits, rootOrder, sl0;
    };
    constexpr Row kRows[] = {{32, 0, 1}, {36, 0, 1}, {40, 1, 1}, {42, 3, 1}, {44, 0, 2}, {48, 0, 2}, {52, 4, 2}};
    for (const Row& row : kRows)
        if (row.bits == ipaBits)
            return XenP2mRoot{row.bits, 2 - row.sl0, 1u << row.rootOrder};
    throw PolicyError(fmt::format("policy xen: knob p2m_ipa_bits = {} is not an IPA size Xen supports on arm64 "
                                  "(32, 36, 40, 42, 44, 48 or 52)",
                                  ipaBits));
}

std::uint64_t XenP2mRoot::bytesPerPage() const
{
    const unsigned entryShift = level == 0 ? 39 : 30; // a level-0 entry maps 512 GiB, a level-1 entry 1 GiB
    return std::uint64_t{512} << entryShift;
}

std::uint64_t XenP2mRoot::invalidatedEnd(bool boundByLevel) const
{
    const std::uint64_t invalidatedPages = boundByLevel ? std::min(level, pages) : pages;
    return std::min(invalidatedPages * bytesPerPage(), ipaEnd());
}

} // namespace vcm::hyp::policy

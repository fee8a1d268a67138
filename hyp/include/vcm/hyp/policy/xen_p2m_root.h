// The root of Xen's stage-2 table on arm64 (xen/arch/arm/mmu/p2m.c): setup_virt_paging() picks the root level
// and the number of concatenated root pages from the IPA size (its pa_range_info[], after Arm ARM Table D5-6:
// 40 bits start at level 1 with two concatenated root pages, 44 and 48 bits at level 0 with one).
// p2m_invalidate_root() clears the valid bit of every entry of every root page, so that the next access to
// any of them faults and is recorded (access tracking, 2148a125b7). From 2148a125b7 until 14c57887f3 (2025)
// its loop ran `for ( i = 0; i < P2M_ROOT_LEVEL; i++ )` instead of `i < P2M_ROOT_PAGES`: with the root at
// level 1 it invalidated only the first root page, with the root at level 0 none at all.
#pragma once

#include <cstdint>

namespace vcm::hyp::policy {

struct XenP2mRoot {
    unsigned ipaBits = 40;
    unsigned level = 1;
    unsigned pages = 2;

    // The root of a p2m with `ipaBits` of IPA (p2m_ipa_bits): 32, 36, 40, 42, 44, 48 or 52, as in
    // pa_range_info[]; throws PolicyError for any other value.
    static XenP2mRoot forIpaBits(std::uint64_t ipaBits);

    // The IPA bytes one root page translates: 512 entries of 1 GiB at level 1, of 512 GiB at level 0.
    std::uint64_t bytesPerPage() const;
    // The end of the IPA range [0, end) whose entries p2m_invalidate_root() invalidates: every root page, or,
    // with `boundByLevel` (before 14c57887f3), only the first `level` pages.
    std::uint64_t invalidatedEnd(bool boundByLevel) const;
    std::uint64_t ipaEnd() const { return std::uint64_t{1} << ipaBits; }
};

} // namespace vcm::hyp::policy

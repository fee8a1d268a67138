/* Stage 1 in a table the guest owns, for guests that must choose when SCTLR_EL1.M and C go on (the runtime's
 * vcm_mmu_caches_on keeps its table private and sets M, C and I in one write). Header-only: a guest that does not
 * include it keeps its image. The map: the low 4 GiB in 1 GiB blocks, GiB 0 Device-nGnRnE (attribute 1), GiBs
 * 1-3 Normal write-back (attribute 0), inner shareable; TCR_EL1: T0SZ 25 (walks start at level 1), write-back
 * walks, TTBR1 walks disabled, 40-bit IPS. */
#pragma once

#include "vcm_cache.h"
#include "vcm_guest.h"

#define VCM_SCTLR_M (1ul << 0)
#define VCM_SCTLR_C (1ul << 2)
#define VCM_SCTLR_I (1ul << 12)

/* Fills `level1` (512 entries, 4 KiB-aligned) and cleans it to the PoC, so that a walk with caches off (this
 * CPU's, or another's) finds it in RAM. */
static inline void vcm_own_identity_map(uint64_t *level1)
{
    level1[0] = 0x1ul | (1ul << 10) | (1ul << 2);
    for (uint64_t gib = 1; gib < 4; ++gib)
        level1[gib] = (gib << 30) | 0x1ul | (1ul << 10) | (3ul << 8);
    vcm_dcache_clean_invalidate_poc(level1, 4 * sizeof *level1);
}

/* MAIR_EL1, TCR_EL1 and TTBR0_EL1 for `level1`; SCTLR_EL1 is left alone. */
static inline void vcm_own_translation(const uint64_t *level1)
{
    const uint64_t mair = 0xfful | (0x00ul << 8);
    const uint64_t tcr = 25ul | (1ul << 8) | (1ul << 10) | (3ul << 12) | (1ul << 23) | (2ul << 32);
    __asm__ volatile("msr mair_el1, %0\n msr tcr_el1, %1\n msr ttbr0_el1, %2\n isb"
                     : : "r"(mair), "r"(tcr), "r"((uint64_t)(uintptr_t)level1) : "memory");
}

static inline void vcm_sctlr_set(uint64_t bits)
{
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("dsb sy\n msr sctlr_el1, %0\n isb" : : "r"(sctlr | bits) : "memory");
}

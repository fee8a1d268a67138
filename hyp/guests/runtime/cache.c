/* Guest-side cache and MMU control (see vcm_cache.h). */
#include "vcm_cache.h"

#define SCTLR_M (1ul << 0)
#define SCTLR_C (1ul << 2)
#define SCTLR_I (1ul << 12)

/* One level-1 table of 1 GiB blocks (TCR_EL1.T0SZ = 25: a 39-bit VA space starting at level 1). */
static uint64_t level1_table[512] __attribute__((aligned(4096)));

#define DESC_BLOCK 0x1ul
#define DESC_AF (1ul << 10)
#define DESC_SH_INNER (3ul << 8)
#define DESC_ATTR(index) ((uint64_t)(index) << 2)
#define MAIR_NORMAL_WB 0xfful  /* attribute index 0 */
#define MAIR_DEVICE_NGNRNE 0x00ul /* attribute index 1 */

#define MAIR_NORMAL_NC 0x44ul /* attribute index 2: Normal, inner and outer non-cacheable */
#define DESC_TABLE 0x3ul

/* The identity map of the low 4 GiB: the first gigabyte Device-nGnRnE, the rest Normal write-back. */
static void build_identity_map(void)
{
    level1_table[0] = 0x00000000ul | DESC_BLOCK | DESC_AF | DESC_ATTR(1);
    for (uint64_t gib = 1; gib < 4; ++gib)
        level1_table[gib] = (gib << 30) | DESC_BLOCK | DESC_AF | DESC_SH_INNER | DESC_ATTR(0);
}

/* Programs MAIR/TCR/TTBR0 for level1_table, then sets SCTLR_EL1.M, C and I. */
static void enable_mmu_and_caches(void)
{
    const uint64_t mair = MAIR_NORMAL_WB | (MAIR_DEVICE_NGNRNE << 8) | (MAIR_NORMAL_NC << 16);
    /* T0SZ = 25, IRGN0 = ORGN0 = write-back, SH0 = inner shareable, TG0 = 4 KiB, EPD1 = 1 (no TTBR1 walks). */
    const uint64_t tcr = 25ul | (1ul << 8) | (1ul << 10) | (3ul << 12) | (1ul << 23);
    __asm__ volatile("dsb sy\n"
                     "msr mair_el1, %0\n"
                     "msr tcr_el1, %1\n"
                     "msr ttbr0_el1, %2\n"
                     "tlbi vmalle1\n"
                     "dsb sy\n"
                     "isb\n"
                     :
                     : "r"(mair), "r"(tcr), "r"((uint64_t)(uintptr_t)level1_table)
                     : "memory");
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= SCTLR_M | SCTLR_C | SCTLR_I;
    __asm__ volatile("msr sctlr_el1, %0\n isb" : : "r"(sctlr) : "memory");
}

void vcm_mmu_caches_on(void)
{
    build_identity_map();
    enable_mmu_and_caches();
}

void vcm_mmu_caches_off(void)
{
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr &= ~(SCTLR_M | SCTLR_C);
    __asm__ volatile("dsb sy\n msr sctlr_el1, %0\n isb" : : "r"(sctlr) : "memory");
}

void vcm_dcache_clean_invalidate_setway(void)
{
    uint64_t clidr;
    __asm__ volatile("mrs %0, clidr_el1" : "=r"(clidr));
    const unsigned loc = (unsigned)((clidr >> 24) & 7);
    for (unsigned level = 0; level < loc; ++level) {
        const unsigned ctype = (unsigned)((clidr >> (3 * level)) & 7);
        if (ctype < 2)
            continue; /* no data cache at this level */
        uint64_t ccsidr;
        __asm__ volatile("msr csselr_el1, %1\n isb\n mrs %0, ccsidr_el1"
                         : "=r"(ccsidr)
                         : "r"((uint64_t)level << 1));
        const unsigned line_shift = (unsigned)(ccsidr & 7) + 4;
        const uint32_t max_way = (uint32_t)((ccsidr >> 3) & 0x3ff);
        const uint32_t max_set = (uint32_t)((ccsidr >> 13) & 0x7fff);
        const unsigned way_shift = max_way == 0 ? 32 : (unsigned)__builtin_clz(max_way);
        for (uint32_t set = 0; set <= max_set; ++set)
            for (uint32_t way = 0; way <= max_way; ++way) {
                const uint64_t operand = ((uint64_t)way << way_shift) | ((uint64_t)set << line_shift) |
                                         ((uint64_t)level << 1);
                __asm__ volatile("dc cisw, %0" : : "r"(operand & 0xffffffffu) : "memory");
            }
    }
    __asm__ volatile("msr csselr_el1, xzr\n dsb sy\n isb" : : : "memory");
}

static uint64_t dcache_line_bytes(void)
{
    uint64_t ctr;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    return 4ul << ((ctr >> 16) & 0xf);
}

void vcm_dcache_clean_invalidate_poc(const void *start, size_t length)
{
    const uint64_t line = dcache_line_bytes();
    for (uint64_t a = (uint64_t)(uintptr_t)start & ~(line - 1); a < (uint64_t)(uintptr_t)start + length; a += line)
        __asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
    __asm__ volatile("dsb sy" : : : "memory");
}

void vcm_dcache_clean_pou(const void *start, size_t length)
{
    const uint64_t line = dcache_line_bytes();
    for (uint64_t a = (uint64_t)(uintptr_t)start & ~(line - 1); a < (uint64_t)(uintptr_t)start + length; a += line)
        __asm__ volatile("dc cvau, %0" : : "r"(a) : "memory");
    __asm__ volatile("dsb ish" : : : "memory");
}

/* ---- Added for the uncached-buffer and setway-migrate guests (see vcm_cache.h). ---- */
#include <vcm/hyp/guest_abi.h>

/* One level-2 table of 2 MiB blocks for the gigabyte that holds the non-cacheable window. */
static uint64_t nc_level2_table[512] __attribute__((aligned(4096)));

int vcm_mmu_caches_on_with_nc_window(uint64_t nc_base)
{
    const uint64_t window_gib = nc_base >> 30;
    if ((nc_base & ((1ul << 21) - 1)) != 0 || window_gib < 1 || window_gib > 3)
        return -1;
    build_identity_map();
    for (uint64_t i = 0; i < 512; ++i) {
        const uint64_t base = (window_gib << 30) | (i << 21);
        nc_level2_table[i] = base | DESC_BLOCK | DESC_AF | DESC_SH_INNER | DESC_ATTR(base == nc_base ? 2 : 0);
    }
    level1_table[window_gib] = (uint64_t)(uintptr_t)nc_level2_table | DESC_TABLE;
    enable_mmu_and_caches();
    return 0;
}

/* The yield hypercall issued inline, not through vcm_yield(): a function call inside the set/way loop makes
 * the compiler spill live registers to the stack, and those stores re-dirty stack lines whose sets were
 * already cleaned -- dirty data left in the cache when the caller turns caches off (why real set/way loops,
 * such as U-Boot's __asm_dcache_all, are written in assembly and touch no memory). */
static inline void setway_yield(void)
{
    register uint64_t x0 __asm__("x0") = VCM_SMCCC_YIELD;
    __asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
    (void)x0;
}

void vcm_dcache_clean_invalidate_setway_yielding(unsigned yield_every_sets)
{
    uint64_t clidr;
    __asm__ volatile("mrs %0, clidr_el1" : "=r"(clidr));
    const unsigned loc = (unsigned)((clidr >> 24) & 7);
    for (unsigned level = 0; level < loc; ++level) {
        const unsigned ctype = (unsigned)((clidr >> (3 * level)) & 7);
        if (ctype < 2)
            continue;
        if (level != 0)
            setway_yield(); /* between levels */
        uint64_t ccsidr;
        __asm__ volatile("msr csselr_el1, %1\n isb\n mrs %0, ccsidr_el1"
                         : "=r"(ccsidr)
                         : "r"((uint64_t)level << 1));
        const unsigned line_shift = (unsigned)(ccsidr & 7) + 4;
        const uint32_t max_way = (uint32_t)((ccsidr >> 3) & 0x3ff);
        const uint32_t max_set = (uint32_t)((ccsidr >> 13) & 0x7fff);
        const unsigned way_shift = max_way == 0 ? 32 : (unsigned)__builtin_clz(max_way);
        for (uint32_t set = 0; set <= max_set; ++set) {
            if (yield_every_sets != 0 && set != 0 && set % yield_every_sets == 0)
                setway_yield(); /* the vCPU may resume on another physical core */
            for (uint32_t way = 0; way <= max_way; ++way) {
                const uint64_t operand = ((uint64_t)way << way_shift) | ((uint64_t)set << line_shift) |
                                         ((uint64_t)level << 1);
                __asm__ volatile("dc cisw, %0" : : "r"(operand & 0xffffffffu) : "memory");
            }
        }
    }
    __asm__ volatile("msr csselr_el1, xzr\n dsb sy\n isb" : : : "memory");
}

/* Non-identity mappings: one 2 MiB region of 4 KiB alias pages at VCM_ALIAS_REGION_VA, reached through a
 * level-2 and a level-3 table hung off the level-1 table that vcm_mmu_caches_on() built. */
static uint64_t alias_level2_table[512] __attribute__((aligned(4096)));
static uint64_t alias_level3_table[512] __attribute__((aligned(4096)));

int vcm_map_alias(uint64_t va, uint64_t ipa)
{
    if (va < VCM_ALIAS_REGION_VA || va >= VCM_ALIAS_REGION_VA + (2ul << 20) || (va & 0xfff) != 0 ||
        (ipa & 0xfff) != 0)
        return -1;
    const uint64_t gib = VCM_ALIAS_REGION_VA >> 30;
    level1_table[gib] = (uint64_t)(uintptr_t)alias_level2_table | DESC_TABLE;
    alias_level2_table[0] = (uint64_t)(uintptr_t)alias_level3_table | DESC_TABLE;
    /* Level 3: a page descriptor has bits [1:0] = 0b11. */
    alias_level3_table[(va >> 12) & 0x1ff] = ipa | 3ul | DESC_AF | DESC_SH_INNER | DESC_ATTR(0);
    /* Make the table writes visible to the walker, then drop stale translations (Arm ARM D8.14 break-before-
     * make is not needed: the entry was invalid before). */
    __asm__ volatile("dsb ishst\n tlbi vmalle1\n dsb ish\n isb" : : : "memory");
    return 0;
}

/* mmu-before-caches: a guest that turns its MMU on before its caches, as FreeBSD did when Xen tried HCR_EL2.DC
 * (Xen 89eb02c2204a, reverted by 878ff4fe18: it "breaks when a guest enables its MMU (SCTLR.M, disabling
 * HCR.DC) without enabling caches (SCTLR.C) first/at the same time. It turns out that FreeBSD does this.").
 *
 * With MMU and caches off it writes a 16 KiB buffer, turns the MMU on with SCTLR.C still clear (its Normal
 * memory is then Non-cacheable, Arm ARM D8.2.x), reads the buffer back, and only then sets SCTLR.C and I.
 * Under HCR_EL2.DC its first writes were write-back cacheable and are still dirty in the caches when the MMU
 * goes on; DC is dropped with M, the reads bypass the caches, and RAM has never seen the writes. Without DC
 * the writes were Device accesses that went to RAM, and the reads find them there.
 *
 * Verdict from the words read back: PASS when all hold what was written. The page tables are its own (the
 * runtime's vcm_mmu_caches_on sets M and C in one write), an identity map of the low 4 GiB in 1 GiB blocks,
 * cleaned to the PoC before the MMU goes on (without that, under DC the walk itself reads stale tables). */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define BUFFER_IPA 0x40400000ul
#define WORDS (16384 / 8)
#define SCTLR_M (1ul << 0)
#define SCTLR_C (1ul << 2)
#define SCTLR_I (1ul << 12)

static uint64_t level1[512] __attribute__((aligned(4096)));

static uint64_t pattern(uint64_t i)
{
    return (i + 7) * 0x9e3779b97f4a7c15ull ^ 0xfeedf00d00000000ull;
}

static void set_sctlr_bits(uint64_t bits)
{
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("dsb sy\n msr sctlr_el1, %0\n isb" : : "r"(sctlr | bits) : "memory");
}

int main(void)
{
    volatile uint64_t *buffer = (volatile uint64_t *)BUFFER_IPA;
    for (uint64_t i = 0; i < WORDS; ++i)
        buffer[i] = pattern(i);
    vcm_marker("written-mmu-off");

    /* GiB 0 Device-nGnRnE (attribute 1), GiBs 1-3 Normal write-back (attribute 0), inner shareable. */
    level1[0] = 0x1ul | (1ul << 10) | (1ul << 2);
    for (uint64_t gib = 1; gib < 4; ++gib)
        level1[gib] = (gib << 30) | 0x1ul | (1ul << 10) | (3ul << 8);
    /* Like a kernel that builds its tables with the MMU off, it cleans them to the PoC before using them, so
     * the walks see them whatever HCR_EL2.DC did to the stores; the buffer it does not clean. */
    vcm_dcache_clean_invalidate_poc(level1, sizeof level1);
    const uint64_t mair = 0xfful | (0x00ul << 8);
    const uint64_t tcr = 25ul | (1ul << 8) | (1ul << 10) | (3ul << 12) | (1ul << 23) | (2ul << 32); /* T0SZ 25, WBWA walks, EPD1, 40-bit IPS */
    __asm__ volatile("msr mair_el1, %0\n msr tcr_el1, %1\n msr ttbr0_el1, %2\n isb"
                     : : "r"(mair), "r"(tcr), "r"((uint64_t)(uintptr_t)level1) : "memory");
    set_sctlr_bits(SCTLR_M); /* the MMU alone: Normal memory is Non-cacheable while SCTLR.C is clear */
    vcm_marker("mmu-on");

    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += buffer[i] != pattern(i);
    set_sctlr_bits(SCTLR_C | SCTLR_I);
    vcm_marker("caches-on");

    vcm_puts("mmu-before-caches: ");
    vcm_put_u64(wrong);
    vcm_puts(" of ");
    vcm_put_u64(WORDS);
    vcm_puts(wrong == 0 ? " words read back wrong with the MMU on and caches off: PASS\n"
                        : " words read back wrong with the MMU on and caches off: FAIL\n");
    vcm_exit(wrong == 0 ? 0 : 1);
}

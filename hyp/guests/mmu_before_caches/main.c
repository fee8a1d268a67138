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
#include "vcm_own_mmu.h"

#define BUFFER_IPA 0x40400000ul
#define WORDS (16384 / 8)

static uint64_t level1[512] __attribute__((aligned(4096)));

static uint64_t pattern(uint64_t i)
{
    return (i + 7) * 0x9e3779b97f4a7c15ull ^ 0xfeedf00d00000000ull;
}

int main(void)
{
    volatile uint64_t *buffer = (volatile uint64_t *)BUFFER_IPA;
    for (uint64_t i = 0; i < WORDS; ++i)
        buffer[i] = pattern(i);
    vcm_marker("written-mmu-off");

    /* Like a kernel that builds its tables with the MMU off, it cleans them to the PoC before using them, so
     * the walks see them whatever HCR_EL2.DC did to the stores; the buffer it does not clean. */
    vcm_own_identity_map(level1);
    vcm_own_translation(level1);
    vcm_sctlr_set(VCM_SCTLR_M); /* the MMU alone: Normal memory is Non-cacheable while SCTLR.C is clear */
    vcm_marker("mmu-on");

    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += buffer[i] != pattern(i);
    vcm_sctlr_set(VCM_SCTLR_C | VCM_SCTLR_I);
    vcm_marker("caches-on");

    vcm_puts("mmu-before-caches: ");
    vcm_put_u64(wrong);
    vcm_puts(" of ");
    vcm_put_u64(WORDS);
    vcm_puts(wrong == 0 ? " words read back wrong with the MMU on and caches off: PASS\n"
                        : " words read back wrong with the MMU on and caches off: FAIL\n");
    vcm_exit(wrong == 0 ? 0 : 1);
}

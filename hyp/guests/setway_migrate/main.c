/* setway-migrate: the osstest heisenbug of seed 004 (Julien Grall, "xen/arm: Implement Set/Way operations"):
 * "a vCPU may migrate to another pCPU in the middle of the [set/way loop]. This will result to have cache
 * with stal[e] data (Set/Way are not propagated)". The same sequence as bootloader-setway -- caches on, write
 * 32 KiB, clean+invalidate by set/way, caches off, verify with caches off -- but the set/way loop yields
 * (VCM_SMCCC_YIELD) between cache levels and every YIELD_EVERY_SETS sets, giving the host scheduler chances to
 * move the vCPU to another core half-way through (the sets already done then sit in the old core's caches,
 * never cleaned). Data that went past the L2 into a system cache is also not reached by set/way (the other
 * half of seed 004), so this fails with a system cache even without a migration.
 *
 * Verdict, computed from the data read with caches off: PASS when all words hold what was written, FAIL
 * otherwise. The guest never returns from main after the caches are off (its saved frame may be stale). */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define WORDS 4096 /* 32 KiB: as big as the L1, so part of it is evicted into the L2 before the clean */
#define YIELD_EVERY_SETS 64

static volatile uint64_t buffer[WORDS];

static uint64_t pattern(uint64_t i)
{
    return (i + 1) * 0x9e3779b97f4a7c15ull;
}

int main(void)
{
    vcm_mmu_caches_on();
    vcm_marker("caches-on");
    for (uint64_t i = 0; i < WORDS; ++i)
        buffer[i] = pattern(i);
    vcm_marker("setway-clean");
    vcm_dcache_clean_invalidate_setway_yielding(YIELD_EVERY_SETS);
    vcm_mmu_caches_off();
    vcm_marker("caches-off");

    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += buffer[i] != pattern(i);
    vcm_puts("setway-migrate: ");
    vcm_put_u64(wrong);
    vcm_puts(" of ");
    vcm_put_u64(WORDS);
    vcm_puts(wrong == 0 ? " words wrong: PASS\n" : " words wrong: FAIL\n");
    vcm_exit(wrong == 0 ? 0 : 1);
}

/* caches-on-shadow: the second hazard of seed 002 (Marc Zyngier, "host cache maintenance when guest caches
 * are off"): "when a guest enables its cache, whatever sits in the cache is suddenly going to become visible,
 * shadowing whatever the guest has written into RAM" (seed 001 names one source of such lines: speculative
 * fills through the toolstack's cacheable mapping).
 *
 * The guest starts, as every guest does, with MMU and caches off. It writes a 16 KiB buffer at the fixed IPA
 * SHADOW_BUFFER_IPA with Device accesses (they go straight to RAM), turns MMU and caches on WITHOUT
 * invalidating anything, and reads the buffer back through the now write-back mapping. Any word that differs
 * from what it wrote was shadowed by an older cached copy of that line. The buffer sits at a fixed IPA (not in
 * .bss) so that a host test can arrange such an older copy beforehand (for example by a speculative or
 * host-side cacheable access to the same lines).
 *
 * Built as setway-caches-on-shadow (SETWAY_FIRST), it first cleans and invalidates its caches by set/way, as a
 * boot loader does: under Xen that arms TVM (p2m_set_way_flush), so the caches-on write traps and Xen flushes
 * the VM -- which removes the older copy only if flush_page_to_ram invalidates (Xen 9617d5f9c1 made it
 * clean-only; a33ad60cc3 reverted that).
 *
 * Verdict: computed from the words the guest read back, never from the model: PASS when all 2048 words hold
 * the values written with caches off, FAIL otherwise. Markers "caches-off-writes-done" and "caches-on" bracket
 * the switch. The guest ends with vcm_exit, never returning from main. */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define SHADOW_BUFFER_IPA 0x40400000ul /* 4 MiB into guest RAM, outside the image */
#define WORDS (16384 / 8)

static uint64_t pattern(uint64_t i)
{
    return (i + 1) * 0xd6e8feb86659fd93ull ^ 0x5ca1ab1e00000000ull;
}

int main(void)
{
    volatile uint64_t *buffer = (volatile uint64_t *)SHADOW_BUFFER_IPA;
#ifdef SETWAY_FIRST
    vcm_dcache_clean_invalidate_setway();
    vcm_marker("setway-done");
#endif
    for (uint64_t i = 0; i < WORDS; ++i)
        buffer[i] = pattern(i); /* MMU off: Device-nGnRnE stores reach RAM */
    vcm_marker("caches-off-writes-done");

    vcm_mmu_caches_on(); /* deliberately no invalidation of the buffer before or after */
    vcm_marker("caches-on");

    uint64_t wrong = 0;
    uint64_t first_wrong = WORDS;
    for (uint64_t i = 0; i < WORDS; ++i)
        if (buffer[i] != pattern(i)) {
            if (wrong++ == 0)
                first_wrong = i;
        }
    vcm_puts("caches-on-shadow: ");
    vcm_put_u64(wrong);
    vcm_puts(" of ");
    vcm_put_u64(WORDS);
    vcm_puts(" words at ");
    vcm_put_hex(SHADOW_BUFFER_IPA);
    if (wrong != 0) {
        vcm_puts(" shadowed by stale cache lines (first at ");
        vcm_put_hex(SHADOW_BUFFER_IPA + 8 * first_wrong);
        vcm_puts("): FAIL\n");
    } else {
        vcm_puts(" shadowed by stale cache lines: PASS\n");
    }
    vcm_exit(wrong == 0 ? 0 : 1);
}

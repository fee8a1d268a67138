/* setway-storm: a hostile guest for the cost side of set/way maintenance: it "blows the cache for everyone"
 * (seed 001), and a hypervisor that traps it must emulate every DC CISW by walking the P2M (seed 004). With caches on
 * it dirties a 32 KiB buffer and then issues a full set/way clean+invalidate pass over every cache level up
 * to the LoC, PASSES times, with a marker per pass. Run it beside latency-probe to see what a hypervisor's
 * set/way emulation costs a neighbour.
 *
 * It has no correctness check of its own -- its purpose is the load it creates -- so it always exits PASS
 * once the passes are done (the only verdict is "it completed"); hypervisor behaviour is judged by the host
 * test from the timeline and the oracle. */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define PASSES 20
#define WORDS 4096 /* 32 KiB re-dirtied before each pass so every pass has write-backs to do */

static uint64_t buffer[WORDS];

int main(void)
{
    vcm_mmu_caches_on();
    vcm_marker("caches-on");
    for (uint64_t pass = 0; pass < PASSES; ++pass) {
        for (uint64_t i = 0; i < WORDS; ++i)
            buffer[i] += i ^ pass;
        vcm_marker("storm-pass");
        vcm_dcache_clean_invalidate_setway();
    }
    vcm_marker("storm-done");
    vcm_puts("setway-storm: ");
    vcm_put_u64(PASSES);
    vcm_puts(" full set/way clean+invalidate passes done (load generator, no check of its own): PASS\n");
    vcm_exit(0);
}

/* bootloader-setway: the Linux 32-bit / U-Boot pattern of seed 004. Caches on, write data, clean and
 * invalidate by set/way, caches off, then verify the data with caches off. The verdict comes from the data
 * the guest read, never from the model. On hardware (or under a hypervisor that does not trap set/way) the
 * set/way loop reaches only this core's L1 and L2: data that went further (a system cache) or sits in
 * another core's cache is not in RAM when the caches are off.
 *
 * Built with BUFFER_IPA (guest setway-top-of-ram) the data is two pages at that IPA instead of a buffer of the
 * image: the last two pages of a 2 GiB guest, which Xen's stage 2 backs with machine frames 0xFFFFE000 and
 * 0xFFFFF000, the second of which arm32 Xen's domheap mapcache maps at the very top of its VA space (XSA-437). */
#include "vcm_cache.h"
#include "vcm_guest.h"

#ifdef BUFFER_IPA
#define GUEST_NAME "setway-top-of-ram"
#define WORDS 1024 /* 8 KiB: two pages */
static volatile uint64_t *const buffer = (volatile uint64_t *)BUFFER_IPA;
#else
#define GUEST_NAME "bootloader-setway"
#define WORDS 4096 /* 32 KiB: as big as the L1, so part of it is evicted into the L2 before the clean */
static volatile uint64_t buffer[WORDS];
#endif

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
    vcm_dcache_clean_invalidate_setway();
    vcm_mmu_caches_off();
    vcm_marker("caches-off");

    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += buffer[i] != pattern(i);
    vcm_puts(GUEST_NAME ": ");
    vcm_put_u64(wrong);
    vcm_puts(" of ");
    vcm_put_u64(WORDS);
    vcm_puts(wrong == 0 ? " words wrong: PASS\n" : " words wrong: FAIL\n");
    vcm_exit(wrong == 0 ? 0 : 1); /* never return: main's saved frame was written with caches on */
}

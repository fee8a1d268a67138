/* uncached-buffer: the hazard of seed 003 (Ard Biesheuvel / Catalin Marinas, "work around incoherency with
 * uncached guest mappings"). The guest runs with MMU and caches on, but maps one 2 MiB block as Normal
 * non-cacheable (MAIR 0x44) -- a framebuffer or a DMA buffer -- and writes a pattern there. Its NC stores go
 * past every cache straight to RAM. The host side (QEMU in the thread, the host agent in a vcm test) reads
 * the same memory through its own *cacheable* mapping, so it can hit stale lines in its caches and see old
 * data instead of what the guest wrote. The guest cannot observe that: it only announces the buffer with the
 * marker "buffer-ready" and yields a few times so the host side can read it; the host test asserts on the
 * coherence oracle (stale reads by the host agent), not on this guest's verdict.
 *
 * Verdict, computed by the guest from the data it read: after the yields it re-reads the buffer through its
 * NC mapping and counts words that differ from the pattern. PASS when none do, FAIL otherwise (also FAIL if
 * the runtime refuses the window). */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define NC_WINDOW_IPA 0x40A00000ul /* 10 MiB into guest RAM; must be 2 MiB aligned */
#define WORDS (65536 / 8)         /* a 64 KiB buffer at the start of the window */
#define YIELDS 4

static uint64_t pattern(uint64_t i)
{
    return (i + 0x1234) * 0x9e3779b97f4a7c15ull ^ 0xf00dfacecafe0000ull;
}

int main(void)
{
    if (vcm_mmu_caches_on_with_nc_window(NC_WINDOW_IPA) != 0) {
        vcm_puts("uncached-buffer: cannot map the non-cacheable window: FAIL\n");
        vcm_exit(1);
    }
    vcm_marker("caches-on");

    volatile uint64_t *buffer = (volatile uint64_t *)NC_WINDOW_IPA;
    for (uint64_t i = 0; i < WORDS; ++i)
        buffer[i] = pattern(i); /* Normal non-cacheable stores */
    __asm__ volatile("dsb sy" : : : "memory");
    vcm_marker("buffer-ready");
    for (int i = 0; i < YIELDS; ++i)
        vcm_yield(); /* the host side reads the buffer now, through a cacheable mapping */
    vcm_marker("host-window-closed");

    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += buffer[i] != pattern(i);
    vcm_puts("uncached-buffer: ");
    vcm_put_u64(wrong);
    vcm_puts(" of ");
    vcm_put_u64(WORDS);
    vcm_puts(" words wrong in the non-cacheable window at ");
    vcm_put_hex(NC_WINDOW_IPA);
    vcm_puts(wrong == 0 ? ": PASS\n" : ": FAIL\n");
    vcm_exit(wrong == 0 ? 0 : 1);
}

/* boot-handoff: a bootloader handing over to the next stage, the U-Boot/Linux-32 sequence of seed 004
 * carried one step further. With caches on it uses the load area as scratch, cleans and invalidates by
 * set/way, switches to the hand-off translation tables (TTBR0_EL1 writes, still with caches on), turns the
 * caches off, loads the next stage into the load area (stores with the MMU off reach RAM), and cleans and
 * invalidates that area to the PoC before jumping, as the boot protocol asks. If the set/way loop left a
 * dirty scratch line beyond its reach (a system cache), the final clean writes it back over the loaded
 * image: a lost write. Under a hypervisor that traps set/way and then arms TVM (Xen's p2m_set_way_flush,
 * KVM's kvm_set_way_flush), the table switch pays a TVM trap per write while the caches are on.
 *
 * Verdict: from the words read back after the final clean, never from the model: PASS when the whole load
 * area holds the loaded image, FAIL otherwise. */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define WORDS 4096 /* 32 KiB */
#define TABLE_SWITCHES 4

static volatile uint64_t load_area[WORDS];

static uint64_t scratch(uint64_t i)
{
    return (i + 1) * 0x9e3779b97f4a7c15ull;
}

static uint64_t image(uint64_t i)
{
    return ~i ^ 0x1a6e000000000000ull;
}

int main(void)
{
    vcm_mmu_caches_on();
    vcm_marker("caches-on");
    for (uint64_t i = 0; i < WORDS; ++i)
        load_area[i] = scratch(i);
    vcm_marker("setway-clean");
    vcm_dcache_clean_invalidate_setway();

    vcm_marker("handoff-tables");
    uint64_t ttbr0;
    __asm__ volatile("mrs %0, ttbr0_el1" : "=r"(ttbr0));
    for (int i = 0; i < TABLE_SWITCHES; ++i) /* the same tables: the write is what matters */
        __asm__ volatile("msr ttbr0_el1, %0\n isb\n tlbi vmalle1\n dsb nsh\n isb" : : "r"(ttbr0) : "memory");

    vcm_mmu_caches_off();
    vcm_marker("caches-off");
    for (uint64_t i = 0; i < WORDS; ++i)
        load_area[i] = image(i); /* MMU off: Device stores reach RAM */
    vcm_dcache_clean_invalidate_poc((const void *)load_area, sizeof load_area);
    vcm_marker("image-cleaned");

    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += load_area[i] != image(i);
    vcm_puts("boot-handoff: ");
    vcm_put_u64(wrong);
    vcm_puts(" of ");
    vcm_put_u64(WORDS);
    vcm_puts(wrong == 0 ? " words of the loaded image wrong: PASS\n" : " words of the loaded image wrong: FAIL\n");
    vcm_exit(wrong == 0 ? 0 : 1);
}

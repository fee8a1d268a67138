/* setway-refused: a boot loader's clean before it turns its caches off, written for a hypervisor that may
 * refuse set/way. With its caches on it fills a buffer, tries one DC CISW, and cleans the buffer to the PoC by
 * VA instead if that was refused with an Undefined Instruction exception (Xen since 2b45ff6030, when the p2m is
 * shared with the IOMMU: "The cache should be flushed by VA rather than by set/way"), else finishes the clean
 * by set/way. Then it turns its caches off and reads the buffer from RAM.
 *
 * It reports whether the DC CISW was refused (ESR_EL1.EC 0, ELR_EL1 on the DC instruction) and passes when the
 * buffer reads back whole with caches off, whichever way it was cleaned. The vectors are exception-vectors'. */
#include <vcm/hyp/guest_abi.h>

#include "vcm_cache.h"
#include "vcm_guest.h"
#include "vcm_report.h"

#define BUFFER_IPA 0x40400000ul
#define WORDS (16384 / 8)

extern char exception_vectors[], __image_end[];
volatile uint64_t last_esr, last_elr, last_far, exceptions_taken;

static uint64_t pattern(uint64_t i)
{
    return (i + 3) * 0xc2b2ae3d27d4eb4full ^ 0x0ddba11000000000ull;
}

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0\n isb" : : "r"(exception_vectors));
    vcm_mmu_caches_on();
    volatile uint64_t *buffer = (volatile uint64_t *)BUFFER_IPA;
    for (uint64_t i = 0; i < WORDS; ++i)
        buffer[i] = pattern(i);

    uint64_t at;
    __asm__ volatile("adr %0, 1f\n 1: dc cisw, %1" : "=r"(at) : "r"(0ul) : "memory");
    const int refused = exceptions_taken == 1 && (last_esr >> 26) == 0 && last_elr == at;
    vcm_report_hex("set/way refused", (uint64_t)refused);
    vcm_report_hex("esr", last_esr);
    if (refused) {
        vcm_marker("cleaning-by-va");
        /* By VA, everything it still needs with caches off: the buffer, and its own image, data and stack. */
        vcm_dcache_clean_invalidate_poc((const void *)BUFFER_IPA, WORDS * 8);
        vcm_dcache_clean_invalidate_poc((const void *)VCM_GUEST_RAM_BASE,
                                        (uint64_t)(uintptr_t)__image_end - VCM_GUEST_RAM_BASE);
    } else {
        vcm_marker("cleaning-by-set-way");
        vcm_dcache_clean_invalidate_setway();
    }
    vcm_mmu_caches_off();

    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += buffer[i] != pattern(i);
    vcm_report_hex("words wrong with caches off", wrong);
    return wrong == 0 && exceptions_taken == (uint64_t)refused ? 0 : 1;
}

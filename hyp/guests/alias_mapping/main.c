/* alias-mapping: a page mapped at a VA different from its IPA (as every OS kernel does). The guest turns
 * the MMU and caches on, maps a page of its buffer at a VA beyond its RAM, writes through one address and
 * reads through the other in both directions, and runs a function copied into an aliased code page. The
 * verdict comes from the values read back. */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define WORDS 512 /* one page */

static uint64_t buffer[WORDS] __attribute__((aligned(4096)));
static uint32_t code_page[1024] __attribute__((aligned(4096)));

int main(void)
{
    vcm_mmu_caches_on();
    const uint64_t data_alias = VCM_ALIAS_REGION_VA + 0x3000;
    const uint64_t code_alias = VCM_ALIAS_REGION_VA + 0x5000;
    if (vcm_map_alias(data_alias, (uint64_t)(uintptr_t)buffer) != 0 ||
        vcm_map_alias(code_alias, (uint64_t)(uintptr_t)code_page) != 0) {
        vcm_puts("alias-mapping: cannot build the alias tables: FAIL\n");
        vcm_exit(1);
    }
    volatile uint64_t *alias = (volatile uint64_t *)(uintptr_t)data_alias;
    uint64_t wrong = 0;
    for (uint64_t i = 0; i < WORDS; ++i)
        alias[i] = 0xa11a5000u + i;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += ((volatile uint64_t *)buffer)[i] != 0xa11a5000u + i;
    for (uint64_t i = 0; i < WORDS; ++i)
        ((volatile uint64_t *)buffer)[i] = ~i;
    for (uint64_t i = 0; i < WORDS; ++i)
        wrong += alias[i] != ~i;

    /* mov x0, #42 ; ret -- written as data, cleaned to the PoU and executed through the alias. */
    code_page[0] = 0xd2800540u;
    code_page[1] = 0xd65f03c0u;
    vcm_dcache_clean_pou(code_page, 8);
    __asm__ volatile("ic iallu\n dsb ish\n isb" : : : "memory");
    uint64_t (*aliased_function)(void) = (uint64_t(*)(void))(uintptr_t)code_alias;
    const uint64_t returned = aliased_function();

    vcm_puts("alias-mapping: ");
    vcm_put_u64(wrong);
    vcm_puts(" words wrong through the alias, aliased code returned ");
    vcm_put_u64(returned);
    const int pass = wrong == 0 && returned == 42;
    vcm_puts(pass ? ": PASS\n" : ": FAIL\n");
    return pass ? 0 : 1;
}

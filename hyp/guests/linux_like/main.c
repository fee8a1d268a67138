/* linux-like: MMU and caches on at once and never off again, no set/way operations; data is shared with a
 * non-coherent observer only after a by-VA clean to the PoC. Nothing here should ever read stale data. */
#include "vcm_cache.h"
#include "vcm_guest.h"

#define WORDS 8192

static uint64_t buffer[WORDS];

int main(void)
{
    vcm_mmu_caches_on();
    vcm_marker("caches-on");
    for (uint64_t round = 0; round < 4; ++round)
        for (uint64_t i = 0; i < WORDS; ++i)
            buffer[i] = buffer[i] * 31 + i + round;
    uint64_t expected = 0;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < WORDS; ++i) {
        uint64_t value = 0;
        for (uint64_t round = 0; round < 4; ++round)
            value = value * 31 + i + round;
        expected += value;
        sum += buffer[i];
    }
    vcm_dcache_clean_invalidate_poc(buffer, sizeof buffer);
    vcm_marker("cleaned-to-poc");
    vcm_puts("linux-like: checksum ");
    vcm_put_hex(sum);
    vcm_puts(sum == expected ? " matches: PASS\n" : " differs: FAIL\n");
    return sum == expected ? 0 : 1;
}

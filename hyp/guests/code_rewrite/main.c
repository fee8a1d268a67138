/* code-rewrite: stores the engine must not lose or double. The guest turns the MMU and caches on, then
 *  - writes a function, cleans it to the PoU, invalidates the instruction caches and calls it; rewrites it in
 *    place with a different constant and calls it again, once after IC IALLU and once after IC IVAU: each call
 *    must run the code as last written (the engine translated the first version, and must drop it);
 *  - stores 8 bytes at every misaligned offset inside a page and across a page boundary, and 4 and 2 bytes
 *    across it, and reads every byte back: the bytes around each store must be untouched.
 * The verdict comes from the values returned and read back. */
#include "vcm_cache.h"
#include "vcm_guest.h"

static uint32_t code_page[1024] __attribute__((aligned(4096)));
static uint8_t bytes[2 * 4096] __attribute__((aligned(4096)));

/* mov x0, #imm16 ; ret */
static void write_function(uint16_t value)
{
    code_page[0] = 0xd2800000u | ((uint32_t)value << 5);
    code_page[1] = 0xd65f03c0u;
    vcm_dcache_clean_pou(code_page, 8);
}

static uint64_t call_function(void)
{
    uint64_t (*function)(void) = (uint64_t(*)(void))(uintptr_t)code_page;
    return function();
}

static void store_unaligned(uint8_t *at, uint64_t value, unsigned size)
{
    /* One store instruction of `size` bytes at an address that is not a multiple of it. */
    switch (size) {
    case 8:
        __asm__ volatile("str %x0, [%1]" : : "r"(value), "r"(at) : "memory");
        break;
    case 4:
        __asm__ volatile("str %w0, [%1]" : : "r"((uint32_t)value), "r"(at) : "memory");
        break;
    default:
        __asm__ volatile("strh %w0, [%1]" : : "r"((uint32_t)value), "r"(at) : "memory");
        break;
    }
}

/* Stores `size` bytes at bytes + offset over a 0x5a background and counts the bytes that differ from what
 * they should be, in a 32-byte window around the store. */
static uint64_t check_store(unsigned offset, unsigned size)
{
    const uint64_t value = 0x8877665544332211ull;
    volatile uint8_t *window = bytes + offset - 12;
    for (unsigned i = 0; i < 32; ++i)
        window[i] = 0x5a;
    store_unaligned(bytes + offset, value, size);
    uint64_t wrong = 0;
    for (unsigned i = 0; i < 32; ++i) {
        const unsigned at = offset - 12 + i;
        const uint8_t expected = at >= offset && at < offset + size ? (uint8_t)(value >> (8 * (at - offset))) : 0x5a;
        wrong += window[i] != expected;
    }
    return wrong;
}

int main(void)
{
    vcm_mmu_caches_on();

    write_function(7);
    __asm__ volatile("ic iallu\n dsb ish\n isb" : : : "memory");
    const uint64_t first = call_function();
    write_function(8);
    __asm__ volatile("ic iallu\n dsb ish\n isb" : : : "memory");
    const uint64_t second = call_function();
    write_function(9);
    __asm__ volatile("ic ivau, %0\n dsb ish\n isb" : : "r"(code_page) : "memory");
    const uint64_t third = call_function();

    uint64_t wrong = 0;
    for (unsigned offset = 1; offset < 8; ++offset)
        wrong += check_store(64 + offset, 8);
    for (unsigned offset = 4096 - 7; offset < 4096; ++offset)
        wrong += check_store(offset, 8);
    wrong += check_store(4096 - 2, 4);
    wrong += check_store(4096 - 1, 2);

    vcm_puts("code-rewrite: calls returned ");
    vcm_put_u64(first);
    vcm_puts(", ");
    vcm_put_u64(second);
    vcm_puts(", ");
    vcm_put_u64(third);
    vcm_puts("; ");
    vcm_put_u64(wrong);
    vcm_puts(" bytes wrong around unaligned stores");
    const int pass = first == 7 && second == 8 && third == 9 && wrong == 0;
    vcm_puts(pass ? ": PASS\n" : ": FAIL\n");
    return pass ? 0 : 1;
}

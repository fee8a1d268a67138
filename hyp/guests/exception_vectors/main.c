/* A guest with its own exception vectors (vectors.S): it takes an SVC, an undefined instruction and a BRK,
 * each delivered by the hypervisor to VBAR_EL1 + 0x200 with ESR_EL1 and ELR_EL1 set, handles each and returns
 * with ERET; then, with its MMU on, a load, a store and a branch to a VA its tables do not map: data and
 * instruction aborts with FAR_EL1; then a load from a page whose access flag is clear and a store to a
 * read-only page: an access flag fault and a permission fault at level 3, and a load through a table entry
 * that DC ZVA cleared: a translation fault at level 3. It prints what its handler saw
 * and passes when every syndrome, return address and fault address is right. */
#include "vcm_cache.h"
#include "vcm_guest.h"

extern char exception_vectors[];
volatile uint64_t last_esr, last_elr, last_far, exceptions_taken;
static uint64_t own_level2[512] __attribute__((aligned(4096)));
static uint64_t own_level3[512] __attribute__((aligned(4096)));
static volatile uint64_t target_page[512] __attribute__((aligned(4096)));

static int check(const char *what, uint64_t expected_esr, uint64_t expected_elr)
{
    vcm_puts(what);
    vcm_puts(": esr = ");
    vcm_put_hex(last_esr);
    vcm_puts(" elr = ");
    vcm_put_hex(last_elr);
    vcm_puts("\n");
    return last_esr == expected_esr && (expected_elr == 0 || last_elr == expected_elr);
}

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0\n isb" : : "r"(exception_vectors));
    int ok = 1;
    uint64_t at;

    /* SVC #0x42: EC 0x15, IL, ISS = the immediate; ELR = the instruction after it. */
    __asm__ volatile("adr %0, 1f\n svc #0x42\n 1:" : "=r"(at) : : "memory");
    ok &= check("svc", (0x15ull << 26) | (1ull << 25) | 0x42, at);
    /* An undefined instruction: EC 0 (unknown reason), IL; ELR = the instruction itself. */
    __asm__ volatile("adr %0, 1f\n 1: udf #0" : "=r"(at) : : "memory");
    ok &= check("udf", 1ull << 25, at);
    /* BRK #7: EC 0x3c, ISS = the immediate; ELR = the BRK. */
    __asm__ volatile("adr %0, 1f\n 1: brk #7" : "=r"(at) : : "memory");
    ok &= check("brk", (0x3cull << 26) | (1ull << 25) | 7, at);

    /* MMU on with the runtime's identity map of the low 4 GiB (level-1 blocks, T0SZ = 25): 64 GiB has no
     * entry, a translation fault at level 1 (fault status 0b000101). Data aborts: EC 0x25, WnR for a store,
     * ELR = the access. Instruction abort: EC 0x21, ELR = FAR = where the branch went. */
    vcm_mmu_caches_on();
    const uint64_t nowhere = 0x1000000000ull;
    __asm__ volatile("adr %0, 1f\n 1: ldr x2, [%1]" : "=r"(at) : "r"(nowhere) : "x2", "memory");
    ok &= check("load", (0x25ull << 26) | (1ull << 25) | 0x05, at) && last_far == nowhere;
    __asm__ volatile("adr %0, 1f\n 1: str xzr, [%1]" : "=r"(at) : "r"(nowhere) : "memory");
    ok &= check("store", (0x25ull << 26) | (1ull << 25) | (1ull << 6) | 0x05, at) && last_far == nowhere;
    __asm__ volatile("blr %0" : : "r"(nowhere) : "x30", "memory");
    ok &= check("fetch", (0x21ull << 26) | (1ull << 25) | 0x05, nowhere) && last_far == nowhere;

    /* Two pages of our own at 65 GiB, hung off the runtime's level-1 table (TTBR0_EL1): the first with its
     * access flag clear, the second read-only (AP[2]). Fault status 0b001011 (access flag, level 3) and
     * 0b001111 (permission, level 3). */
    uint64_t ttbr0;
    __asm__ volatile("mrs %0, ttbr0_el1" : "=r"(ttbr0));
    volatile uint64_t *level1 = (volatile uint64_t *)(uintptr_t)(ttbr0 & ~0xfffull);
    const uint64_t pages = 65ull << 30;
    const uint64_t normal_page = (uint64_t)(uintptr_t)target_page | 3u | (3u << 8);
    /* The level-3 table first holds valid entries, then is cleared with DC ZVA as Linux's clear_page clears a
     * new table page: an entry it cleared faults, whatever it held before (translation, level 3: 0b000111). */
    for (int i = 0; i < 512; ++i)
        own_level3[i] = normal_page | (1u << 10);
    uint64_t dczid;
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
    const uint64_t zva_bytes = 4ull << (dczid & 0xf);
    for (uint64_t offset = 0; offset < sizeof own_level3; offset += zva_bytes)
        __asm__ volatile("dc zva, %0" : : "r"((uintptr_t)own_level3 + offset) : "memory");
    own_level3[0] = normal_page;                            /* AF clear */
    own_level3[1] = normal_page | (1u << 10) | (1u << 7);   /* AF set, AP[2]: read-only */
    own_level2[0] = (uint64_t)(uintptr_t)own_level3 | 3u;
    level1[65] = (uint64_t)(uintptr_t)own_level2 | 3u;
    __asm__ volatile("dsb ishst\n tlbi vmalle1\n dsb ish\n isb" : : : "memory");
    target_page[0] = 0x5ea1ed;
    uint64_t value = 0;
    __asm__ volatile("adr %0, 1f\n 1: ldr %1, [%2]" : "=r"(at), "=r"(value) : "r"(pages) : "memory");
    ok &= check("access flag", (0x25ull << 26) | (1ull << 25) | 0x0b, at) && last_far == pages;
    __asm__ volatile("adr %0, 1f\n 1: str xzr, [%1]" : "=r"(at) : "r"(pages + 0x1000) : "memory");
    ok &= check("read-only", (0x25ull << 26) | (1ull << 25) | (1ull << 6) | 0x0f, at) && last_far == pages + 0x1000;
    value = *(volatile uint64_t *)(uintptr_t)(pages + 0x1000);
    vcm_puts("read through the read-only page: ");
    vcm_put_hex(value);
    vcm_puts("\n");
    ok &= value == 0x5ea1ed && target_page[0] == 0x5ea1ed;
    __asm__ volatile("adr %0, 1f\n 1: ldr %1, [%2]" : "=r"(at), "=r"(value) : "r"(pages + 0x2000) : "memory");
    ok &= check("zeroed entry", (0x25ull << 26) | (1ull << 25) | 0x07, at) && last_far == pages + 0x2000;
    /* The caches stay on: turning them off without a clean would leave the handler's counts in them. */

    vcm_puts("exceptions taken: ");
    vcm_put_u64(exceptions_taken);
    vcm_puts("\n");
    return ok && exceptions_taken == 9 ? 0 : 1;
}

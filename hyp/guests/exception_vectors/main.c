/* A guest with its own exception vectors (vectors.S): it takes an SVC, an undefined instruction and a BRK,
 * each delivered by the hypervisor to VBAR_EL1 + 0x200 with ESR_EL1 and ELR_EL1 set, handles each and returns
 * with ERET. It prints what its handler saw and passes when every syndrome and return address is right. */
#include "vcm_guest.h"

extern char exception_vectors[];
volatile uint64_t last_esr, last_elr, exceptions_taken;

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

    vcm_puts("exceptions taken: ");
    vcm_put_u64(exceptions_taken);
    vcm_puts("\n");
    return ok && exceptions_taken == 3 ? 0 : 1;
}

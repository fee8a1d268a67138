/* What a firmware or kernel asks of its platform before anything else: PSCI over HVC and SMC (an unknown
 * SMCCC id must answer NOT_SUPPORTED), the generic timer's counters and registers, its own MPIDR. It prints
 * every answer for the host to check, and ends with PSCI SYSTEM_OFF rather than vcm's exit call. */
#include "vcm_guest.h"
#include "vcm_report.h"

#include <vcm/hyp/guest_abi.h>

static uint64_t hvc(uint64_t function, uint64_t a1, uint64_t a2)
{
    register uint64_t x0 __asm__("x0") = function;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2) : : "x3", "memory");
    return x0;
}

static uint64_t smc(uint64_t function, uint64_t a1)
{
    register uint64_t x0 __asm__("x0") = function;
    register uint64_t x1 __asm__("x1") = a1;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1) : : "x2", "x3", "memory");
    return x0;
}

int main(void)
{
    uint64_t first, second, frequency, mpidr;
    __asm__ volatile("mrs %0, cntpct_el0" : "=r"(first));
    for (volatile int i = 0; i < 1000; ++i)
        ;
    __asm__ volatile("mrs %0, cntpct_el0" : "=r"(second));
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frequency));
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    vcm_report_hex("cntpct first", first);
    vcm_report_hex("cntpct second", second);
    vcm_report_hex("cntfrq", frequency);
    vcm_report_hex("mpidr", mpidr);

    /* The virtual timer holds what it is given: enabled, masked, 1000 ticks away. */
    uint64_t ctl = 3, tval = 1000, cval;
    __asm__ volatile("msr cntv_tval_el0, %0" : : "r"(tval));
    __asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(ctl));
    __asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
    __asm__ volatile("mrs %0, cntv_cval_el0" : "=r"(cval));
    vcm_report_hex("cntv_ctl", ctl);
    vcm_report_hex("cntv_cval", cval);

    /* WFI with the virtual timer armed 100000 ticks ahead and unmasked: the vCPU sleeps until it fires (its
     * interrupt would wake it even though PSTATE.I masks it). */
    uint64_t before, after;
    tval = 100000;
    ctl = 1;
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(before));
    __asm__ volatile("msr cntv_tval_el0, %0" : : "r"(tval));
    __asm__ volatile("msr cntv_ctl_el0, %0\n wfi" : : "r"(ctl));
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(after));
    __asm__ volatile("msr cntv_ctl_el0, xzr");
    vcm_report_hex("wfi slept", after - before);

    vcm_report_hex("psci_version hvc", hvc(0x84000000, 0, 0));
    vcm_report_hex("psci_version smc", smc(0x84000000, 0));
    vcm_report_hex("psci_features cpu_on", hvc(0x8400000a, 0xc4000003, 0));
    vcm_report_hex("unknown smccc", hvc(0x82000042, 0, 0));
    vcm_report_hex("affinity_info self", hvc(0xc4000004, mpidr & 0xff00ffffff, 0));
    vcm_report_hex("affinity_info cpu7", hvc(0xc4000004, 7, 0));

    vcm_puts("system_off\n");
    hvc(0x84000008, 0, 0);
    vcm_puts("still running after SYSTEM_OFF\n");
    return 1;
}

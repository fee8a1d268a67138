/* SMP bring-up the PSCI way, as Linux's psci_boot_secondary does it: vCPU 0 starts vCPU 1 with CPU_ON at an
 * entry point with a context id, waits for it to report in, and watches it switch itself off (CPU_OFF) through
 * AFFINITY_INFO. Both vCPUs run with MMU and caches off, so their flags meet in RAM. */
#include "vcm_psci.h"
#include "vcm_report.h"

#define CONTEXT_ID 0x5ec0dau

extern char secondary_entry[];
static uint8_t secondary_stack[4096] __attribute__((aligned(16)));
uint8_t *const secondary_stack_top = secondary_stack + sizeof secondary_stack;
static volatile uint64_t secondary_context, secondary_mpidr;

void secondary_main(uint64_t context)
{
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    secondary_mpidr = mpidr;
    secondary_context = context;
    psci(PSCI_CPU_OFF, 0, 0, 0);
    for (;;)
        ;
}

int main(void)
{
    vcm_report_hex("affinity_info cpu1 before", psci(PSCI_AFFINITY_INFO, 1, 0, 0));
    vcm_report_hex("cpu_on cpu1", psci(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)secondary_entry, CONTEXT_ID));
    vcm_report_hex("cpu_on cpu1 again", psci(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)secondary_entry, CONTEXT_ID));
    for (int i = 0; i < 1000 && secondary_context == 0; ++i)
        vcm_yield();
    vcm_report_hex("secondary context", secondary_context);
    vcm_report_hex("secondary mpidr", secondary_mpidr);
    uint64_t state = 0;
    for (int i = 0; i < 1000 && (state = psci(PSCI_AFFINITY_INFO, 1, 0, 0)) != 1; ++i)
        vcm_yield();
    vcm_report_hex("affinity_info cpu1 after", state);
    return secondary_context == CONTEXT_ID && (secondary_mpidr & 0xff) == 1 && state == 1 ? 0 : 1;
}

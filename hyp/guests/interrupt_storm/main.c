/* A guest that never stops interrupting itself: its virtual timer is re-armed to fire at once (TVAL 0) every time
 * it is taken, every IRQ it takes sends it another SGI, and vCPU 1 (started with PSCI CPU_ON) sends it SGIs in a
 * loop. It never exits: the host's instruction budget, or an interrupted run, must still end the run with a
 * summary (issue 16: "a guest storm of IPIs or a timer set to fire every cycle cannot hang the host").
 * The vector table and secondary entry are the gic-interrupts guest's. */
#include "vcm_gic.h"

#define SGI_TO_SELF (2u << 24)

static uint8_t secondary_stack[4096] __attribute__((aligned(16)));
uint8_t *const secondary_stack_top = secondary_stack + sizeof secondary_stack;

static volatile uint64_t taken, outside;

static void fire_now(void)
{
    __asm__ volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb" : : "r"(0ul), "r"(1ul) : "memory");
}

/* One interrupt per entry: the next is pending again as soon as this one ends. */
void irq_handler(void)
{
    const uint32_t iar = read32(GICC + GICC_IAR);
    const uint32_t intid = iar & 0x3ff;
    ++taken;
    if (intid == VTIMER_INTID)
        fire_now();
    write32(GICD + GICD_SGIR, SGI_TO_SELF | 1);
    write32(GICC + GICC_EOIR, iar);
}

void secondary_main(uint64_t context)
{
    (void)context;
    for (;;)
        write32(GICD + GICD_SGIR, (1u << 16) | 3); /* SGI 3 to vCPU 0 */
}

int main(void)
{
    write32(GICD + GICD_CTLR, 1);
    gic_cpu_init();
    psci(PSCI_CPU_ON, 1, (uint64_t)secondary_entry, 0);
    fire_now();
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    for (;;)
        ++outside;
    return 0;
}

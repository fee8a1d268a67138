/* Interrupts through the virt board's GICv2, as a kernel uses them: the virtual timer's PPI (INTID 27) and
 * SGIs between two vCPUs, each acknowledged at GICC_IAR and ended at GICC_EOIR by an IRQ handler behind
 * VBAR_EL1.
 *  1. PSTATE.I is respected: a timer that fires while IRQs are masked is not taken, but WFI still wakes on it
 *     (Arm ARM D1.16.2); unmasking takes it at once.
 *  2. A periodic timer ticks five times in virtual time while the vCPU sleeps in WFI.
 *  3. vCPU 0 starts vCPU 1 with PSCI CPU_ON and sends it three SGIs through GICD_SGIR's target list; vCPU 1,
 *     asleep in WFI, takes each (IAR names vCPU 0 as the source), answers with an SGI to "all but self", and
 *     switches itself off.
 * Every figure is printed for the host to check; the exit status is 0 when all hold. */
#include "vcm_gic.h"
#include "vcm_report.h"

#define TICK_PERIOD 1000
#define PERIODIC_TICKS 5
#define SGIS_TO_SECONDARY 3

static uint8_t secondary_stack[4096] __attribute__((aligned(16)));
uint8_t *const secondary_stack_top = secondary_stack + sizeof secondary_stack;

static volatile uint64_t timer_ticks, ticks_wanted, sgi_count[2], sgi_source[2], sgi_id[2], other_irqs;
static volatile uint64_t secondary_ready;

static uint64_t cpu_index(void)
{
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return mpidr & 0xff;
}

static uint64_t counter(void)
{
    uint64_t value;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(value));
    return value;
}

static void arm_timer(uint64_t ticks)
{
    __asm__ volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb" : : "r"(ticks), "r"(1ul) : "memory");
}

static void stop_timer(void)
{
    __asm__ volatile("msr cntv_ctl_el0, %0; isb" : : "r"(0ul) : "memory");
}

/* Called from the vector with IRQs masked: takes every interrupt the CPU interface hands out until it answers
 * spurious, as Linux's gic_handle_irq does. */
void irq_handler(void)
{
    const uint64_t cpu = cpu_index();
    for (;;) {
        const uint32_t iar = read32(GICC + GICC_IAR);
        const uint32_t intid = iar & 0x3ff;
        if (intid == SPURIOUS)
            break;
        if (intid == VTIMER_INTID) {
            ++timer_ticks;
            if (timer_ticks < ticks_wanted)
                arm_timer(TICK_PERIOD);
            else
                stop_timer();
        } else if (intid < 16) {
            ++sgi_count[cpu];
            sgi_source[cpu] = (iar >> 10) & 7;
            sgi_id[cpu] = intid;
        } else {
            ++other_irqs;
        }
        write32(GICC + GICC_EOIR, iar);
    }
}

void secondary_main(uint64_t context)
{
    (void)context;
    gic_cpu_init();
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    secondary_ready = 1;
    while (sgi_count[1] < SGIS_TO_SECONDARY)
        __asm__ volatile("wfi" ::: "memory");
    write32(GICD + GICD_SGIR, (1u << 24) | 2); /* SGI 2 to every CPU but this one */
    psci(PSCI_CPU_OFF, 0, 0, 0);
    for (;;)
        ;
}

int main(void)
{
    write32(GICD + GICD_CTLR, 1);
    vcm_report_hex("gicd typer", read32(GICD + GICD_TYPER));
    gic_cpu_init();

    /* 1. Masked: the timer fires, nothing is taken; WFI wakes anyway; unmasking takes it. */
    ticks_wanted = 1;
    arm_timer(100);
    const uint64_t armed = counter();
    while (counter() - armed < 400)
        ;
    vcm_report_hex("ticks while masked", timer_ticks);
    __asm__ volatile("wfi" ::: "memory");
    vcm_report_hex("ticks after masked wfi", timer_ticks);
    __asm__ volatile("msr daifclr, #2; isb" ::: "memory");
    const uint64_t taken_at_once = timer_ticks;
    vcm_report_hex("ticks after unmask", taken_at_once);

    /* 2. Periodic: five ticks, asleep in between. */
    timer_ticks = 0;
    ticks_wanted = PERIODIC_TICKS;
    const uint64_t start = counter();
    arm_timer(TICK_PERIOD);
    uint64_t waits = 0;
    while (timer_ticks < PERIODIC_TICKS) {
        __asm__ volatile("wfi" ::: "memory");
        ++waits;
    }
    const uint64_t elapsed = counter() - start;
    vcm_report_hex("periodic ticks", timer_ticks);
    vcm_report_hex("periodic waits", waits);
    vcm_report_hex("periodic elapsed", elapsed);

    /* 3. SGIs between two vCPUs. */
    vcm_report_hex("cpu_on", psci(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)secondary_entry, 0));
    while (!secondary_ready)
        vcm_yield();
    for (uint64_t sent = 1; sent <= SGIS_TO_SECONDARY; ++sent) {
        write32(GICD + GICD_SGIR, (1u << (16 + 1)) | 1); /* SGI 1, target list: vCPU 1 */
        while (sgi_count[1] < sent)
            vcm_yield();
    }
    while (sgi_count[0] == 0)
        __asm__ volatile("wfi" ::: "memory");
    vcm_report_hex("sgis at cpu1", sgi_count[1]);
    vcm_report_hex("sgi source at cpu1", sgi_source[1]);
    vcm_report_hex("sgis at cpu0", sgi_count[0]);
    vcm_report_hex("sgi id at cpu0", sgi_id[0]);
    vcm_report_hex("sgi source at cpu0", sgi_source[0]);
    vcm_report_hex("other irqs", other_irqs);

    const int ok = taken_at_once == 1 && timer_ticks == PERIODIC_TICKS && elapsed >= PERIODIC_TICKS * TICK_PERIOD &&
                   sgi_count[1] == SGIS_TO_SECONDARY && sgi_source[1] == 0 && sgi_count[0] == 1 && sgi_id[0] == 2 &&
                   sgi_source[0] == 1 && other_irqs == 0;
    return ok ? 0 : 1;
}

/* The virt board's GICv2 as the interrupt guests drive it (gic-interrupts, interrupt-storm): register offsets,
 * 32-bit MMIO accessors, the virtual timer's PPI, and the banked per-CPU set-up (IHI 0048B). Header-only, so
 * each guest that includes it keeps its own image. */
#pragma once

#include "vcm_guest.h"
#include "vcm_psci.h"

#define GICD 0x08000000ul
#define GICC 0x08010000ul
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER0 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_SGIR 0xf00
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define VTIMER_INTID 27
#define SPURIOUS 1023

extern char irq_vectors[], secondary_entry[];

static inline void write32(uint64_t address, uint32_t value)
{
    *(volatile uint32_t *)address = value;
}

static inline uint32_t read32(uint64_t address)
{
    return *(volatile uint32_t *)address;
}

/* The banked per-CPU part: the vectors, SGIs and the timer's PPI enabled at priority 0xa0, the CPU interface
 * on. */
static inline void gic_cpu_init(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" : : "r"(irq_vectors));
    write32(GICD + GICD_ISENABLER0, 0xffffu | (1u << VTIMER_INTID));
    for (uint32_t intid = 0; intid < 32; intid += 4)
        write32(GICD + GICD_IPRIORITYR + intid, 0xa0a0a0a0u);
    write32(GICC + GICC_PMR, 0xf0);
    write32(GICC + GICC_CTLR, 1);
}

/* PSCI from a guest, as Linux's psci_0_2 functions call it: SMCCC over HVC #0 (the virt board's device tree says
 * method "hvc"), function id in x0, arguments in x1-x3, the result in x0 (Arm DEN0022). Header-only: a guest that
 * does not include it keeps its image. */
#pragma once

#include "vcm_guest.h"

#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_AFFINITY_INFO 0xc4000004u

static inline uint64_t psci(uint64_t function, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = function;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
    return x0;
}

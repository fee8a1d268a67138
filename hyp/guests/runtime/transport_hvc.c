/* vcm's services as SMCCC hypercalls (guest_abi.h): what most project guests use. */
#include "vcm_guest.h"

#include <vcm/hyp/guest_abi.h>

void vcm_console_write(const char *text, size_t length)
{
    register uint64_t x0 __asm__("x0") = VCM_SMCCC_CONSOLE_WRITE;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)text;
    register uint64_t x2 __asm__("x2") = length;
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2) : "memory");
}

void vcm_marker(const char *name)
{
    register uint64_t x0 __asm__("x0") = VCM_SMCCC_MARKER;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)name;
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1) : "memory");
}

void vcm_yield(void)
{
    register uint64_t x0 __asm__("x0") = VCM_SMCCC_YIELD;
    __asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}

void vcm_exit(uint64_t code)
{
    register uint64_t x0 __asm__("x0") = VCM_SMCCC_EXIT;
    register uint64_t x1 __asm__("x1") = code;
    __asm__ volatile("hvc #0" : : "r"(x0), "r"(x1) : "memory");
    for (;;) {
    }
}

/* Guest runtime: hypercall wrappers and a minimal number formatter (no libc in bare-metal guests). */
#include "vcm_guest.h"

#include <vcm/hyp/guest_abi.h>

void vcm_console_write(const char *text, size_t length)
{
    register uint64_t x0 __asm__("x0") = VCM_SMCCC_CONSOLE_WRITE;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)text;
    register uint64_t x2 __asm__("x2") = length;
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2) : "memory");
}

void vcm_puts(const char *text)
{
    size_t length = 0;
    while (text[length] != '\0')
        ++length;
    vcm_console_write(text, length);
}

void vcm_put_u64(uint64_t value)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n] = (char)('0' + value % 10);
        value /= 10;
        ++n;
    } while (value != 0);
    vcm_console_write(&digits[sizeof digits - n], n);
}

void vcm_put_hex(uint64_t value)
{
    static const char hex[] = "0123456789abcdef";
    char text[18] = {'0', 'x'};
    for (int i = 0; i < 16; ++i)
        text[2 + i] = hex[(value >> (60 - 4 * i)) & 0xf];
    vcm_console_write(text, sizeof text);
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

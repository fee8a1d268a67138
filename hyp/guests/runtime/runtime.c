/* Guest runtime: a minimal number formatter over the console (no libc in bare-metal guests). The services
 * themselves (console, markers, yield, exit) are the transport's: transport_hvc.c or transport_mmio.c, one per
 * guest (cmake/AArch64Guest.cmake's TRANSPORT). */
#include "vcm_guest.h"

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

/* booti-kernel: a tiny arm64 Linux Image (Documentation/arm64/booting.rst) for U-Boot's `booti`, to reproduce
 * seed 004 on a real boot loader. Its 64 KiB payload holds word i = 0xc0de000000000000 | i. Started the way
 * Linux is (MMU and caches off, x0 = the device tree), it reads its own payload back -- uncached, from RAM
 * (the PoC) -- counts the words that are not what it was built with, prints the count on the PL011 and exits
 * with it (vcm's SMCCC exit call). If the boot loader moved the image with its caches on and cleaned them only
 * by set/way, the payload's last copy may still sit in a system cache beyond the PoU, and the count is not 0.
 *
 * Position independent and with no data loads but the payload's: U-Boot moves the image (to the 2 MiB-aligned
 * RAM base + text_offset) before it jumps, and every other load would risk reading stale data too. Text goes
 * to the UART one immediate at a time for the same reason. */
#include <vcm/hyp/guest_abi.h>

#define PAYLOAD_WORDS 0x2000
#define UART_DR 0x09000000

    .macro putc c
    mov     w9, #\c
    strb    w9, [x10]
    .endm

    .section .text.boot, "ax"
    .global _start
_start:
    b       entry                   /* code0 */
    .word   0                       /* code1 */
    .quad   0x80000                 /* text_offset */
    .quad   image_end - _start      /* image_size */
    .quad   0x2                     /* flags: little-endian, 4 KiB pages, placed 2 MiB-aligned from the RAM base */
    .quad   0, 0, 0                 /* res2, res3, res4 */
    .word   0x644d5241              /* magic: "ARM\x64" */
    .word   0                       /* res5 */

entry:
    adr     x1, payload
    mov     x2, #0                  /* word index */
    mov     x3, #0                  /* words that are not what the image was built with */
    movz    x4, #0xc0de, lsl #48
1:  ldr     x5, [x1, x2, lsl #3]
    orr     x6, x4, x2
    cmp     x5, x6
    cinc    x3, x3, ne
    add     x2, x2, #1
    cmp     x2, #PAYLOAD_WORDS
    b.lo    1b

    movz    x10, #(UART_DR >> 16), lsl #16
    putc    0x62
    putc    0x6f
    putc    0x6f
    putc    0x74
    putc    0x69
    putc    0x2d
    putc    0x6b
    putc    0x65
    putc    0x72
    putc    0x6e
    putc    0x65
    putc    0x6c
    putc    0x3a
    putc    0x20
    putc    0x30
    putc    0x78
    mov     x11, #60                /* the count in hex, most significant nibble first */
2:  lsr     x12, x3, x11
    and     x12, x12, #0xf
    add     x13, x12, #0x30
    add     x14, x12, #0x57
    cmp     x12, #10
    csel    x12, x13, x14, lo
    strb    w12, [x10]
    subs    x11, x11, #4
    b.ge    2b
    putc    0x20
    putc    0x6f
    putc    0x66
    putc    0x20
    putc    0x30
    putc    0x78
    putc    0x32
    putc    0x30
    putc    0x30
    putc    0x30
    putc    0x20
    putc    0x77
    putc    0x6f
    putc    0x72
    putc    0x64
    putc    0x73
    putc    0x20
    putc    0x73
    putc    0x74
    putc    0x61
    putc    0x6c
    putc    0x65
    putc    0x0a

    movz    x0, #(VCM_SMCCC_EXIT & 0xffff)
    movk    x0, #(VCM_SMCCC_EXIT >> 16), lsl #16
    mov     x1, x3
    hvc     #0
3:  b       3b

    .balign 64
payload:
    .set    i, 0
    .rept   PAYLOAD_WORDS
    .quad   0xc0de000000000000 | i
    .set    i, i + 1
    .endr
image_end:

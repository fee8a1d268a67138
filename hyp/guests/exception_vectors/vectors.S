/* The exception-vectors guest's table (Arm ARM D1.10.2): 16 entries of 0x80 bytes, 2 KiB aligned. Only the
 * synchronous exception from the current EL with SP_EL1 (+0x200) is expected; every other entry exits with
 * the entry's offset as a failure code. The handler records ESR_EL1, ELR_EL1 and FAR_EL1, steps over an
 * undefined instruction, a BRK or a faulting load or store (their preferred return address is the
 * instruction itself; an SVC's is the next one), returns to the caller (x30) after an instruction abort on a
 * branch with link, and returns with ERET. */
#include <vcm/hyp/guest_abi.h>

    .macro unexpected offset
    .balign 0x80
    movz    x0, #(VCM_SMCCC_EXIT & 0xffff)
    movk    x0, #(VCM_SMCCC_EXIT >> 16), lsl #16
    mov     x1, #(0x1000 + \offset)
    hvc     #0
    .endm

    .text
    .balign 0x800
    .global exception_vectors
exception_vectors:
    unexpected 0x000
    unexpected 0x080
    unexpected 0x100
    unexpected 0x180
    .balign 0x80
    b       sync_el1h
    unexpected 0x280
    unexpected 0x300
    unexpected 0x380
    unexpected 0x400
    unexpected 0x480
    unexpected 0x500
    unexpected 0x580
    unexpected 0x600
    unexpected 0x680
    unexpected 0x700
    unexpected 0x780

sync_el1h:
    stp     x0, x1, [sp, #-16]!
    stp     x2, x3, [sp, #-16]!
    mrs     x0, esr_el1
    mrs     x1, elr_el1
    ldr     x2, =last_esr
    str     x0, [x2]
    ldr     x2, =last_elr
    str     x1, [x2]
    mrs     x3, far_el1
    ldr     x2, =last_far
    str     x3, [x2]
    ldr     x2, =exceptions_taken
    ldr     x3, [x2]
    add     x3, x3, #1
    str     x3, [x2]
    lsr     x0, x0, #26
    cmp     x0, #0x15
    b.eq    1f
    cmp     x0, #0x21
    b.ne    2f
    msr     elr_el1, x30
    b       1f
2:  add     x1, x1, #4
    msr     elr_el1, x1
1:  ldp     x2, x3, [sp], #16
    ldp     x0, x1, [sp], #16
    eret

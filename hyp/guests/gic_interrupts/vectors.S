/* The gic-interrupts guest's vector table (Arm ARM D1.10.2): only an IRQ taken from EL1 with SP_EL1 (+0x280)
 * is expected. Its handler saves what the C calling convention lets irq_handler() clobber, calls it, and
 * returns with ERET; every other entry exits with the entry's offset as a failure code. Also the secondary
 * vCPU's entry point for PSCI CPU_ON (MMU and caches off, x0 = the context id, no stack yet). */
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
    .global irq_vectors
irq_vectors:
    unexpected 0x000
    unexpected 0x080
    unexpected 0x100
    unexpected 0x180
    unexpected 0x200
    .balign 0x80
    b       irq_el1h
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

irq_el1h:
    stp     x0, x1, [sp, #-176]!
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    str     x30, [sp, #160]
    bl      irq_handler
    ldr     x30, [sp, #160]
    ldp     x18, x29, [sp, #144]
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp], #176
    eret

    .global secondary_entry
secondary_entry:
    ldr     x1, =secondary_stack_top
    ldr     x1, [x1]
    mov     sp, x1
    bl      secondary_main
1:  b       1b

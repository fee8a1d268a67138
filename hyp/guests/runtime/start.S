/* Guest entry: the hypervisor starts the vCPU at the first byte of the image at EL1 with MMU and caches
 * off. Set up the stack, zero .bss, run main() and exit with its return value. */
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =__stack_top
    mov     sp, x0
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:  bl      main
    bl      vcm_exit            /* main's result is already in x0; the transport's exit never returns */
3:  b       3b

/* Where PSCI CPU_ON starts a secondary vCPU of the psci-smp and smp-setway-bringup guests: MMU and caches off,
 * x0 = the context id, no stack yet. It takes the stack its main.c published in secondary_stack_top and runs
 * secondary_main(context). */
    .text
    .global secondary_entry
secondary_entry:
    ldr     x1, =secondary_stack_top
    ldr     x1, [x1]
    mov     sp, x1
    bl      secondary_main
1:  b       1b

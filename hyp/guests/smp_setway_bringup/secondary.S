/* Where PSCI CPU_ON starts a secondary of the smp-setway-bringup guest: MMU and caches off, x0 = its number, no
 * stack yet. It takes the stack vCPU 0 published (cleaned to the PoC) and runs secondary_main(cpu). */
    .text
    .global secondary_entry
secondary_entry:
    ldr     x1, =secondary_stack_top
    ldr     x1, [x1]
    mov     sp, x1
    bl      secondary_main
1:  b       1b

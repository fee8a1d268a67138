/* The contract between vcm's bare-metal AArch64 guests and the emulated hypervisor: where the image is
 * loaded and which hypercalls exist. Plain C preprocessor definitions, because this header is included
 * by host C++, by guest C and assembly, and by the guest linker script (hyp/guests/runtime/guest.ld.S). */
#ifndef VCM_HYP_GUEST_ABI_H
#define VCM_HYP_GUEST_ABI_H

/* Guest RAM starts here (the IPA of the first byte of the image), as on QEMU's "virt" board, so the
 * low 1 GiB stays free for MMIO. */
#define VCM_GUEST_RAM_BASE 0x40000000
/* Space reserved for the image, its data and its stack by the linker script. */
#define VCM_GUEST_IMAGE_MAX 0x00200000
#define VCM_GUEST_STACK_SIZE 0x00010000

/* Hypercalls are HVC #imm16 at EL1; the immediate selects the call, arguments are in x0..x3 and the
 * result (if any) is returned in x0. */
#define VCM_HVC_EXIT 0x0          /* x0 = exit code; the vCPU stops. */
#define VCM_HVC_CONSOLE_WRITE 0x1 /* x0 = guest address, x1 = length in bytes. */
#define VCM_HVC_MARKER 0x2        /* x0 = guest address of a NUL-terminated name (at most 63 bytes). */
#define VCM_HVC_YIELD 0x3         /* give up the rest of the time slice. */

#endif /* VCM_HYP_GUEST_ABI_H */

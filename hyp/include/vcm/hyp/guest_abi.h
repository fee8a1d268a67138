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

/* Hypercalls follow the SMC Calling Convention (Arm DEN0028): HVC #0 (or SMC #0) with the function id in
 * w0, arguments in x1..x3, the result in x0. vcm's own calls are fast SMC32 calls of owning entity 6, the
 * vendor-specific hypervisor service range, so that PSCI (owner 4, e.g. PSCI_VERSION 0x84000000) and any
 * firmware a guest runs never collide with them; an id nobody serves returns SMCCC_RET_NOT_SUPPORTED (-1).
 * Function numbers 0x5600.. ("V") keep clear of KVM's own vendor calls (0x86000001.., 0x8600ff01). */
#define VCM_SMCCC_EXIT 0x86005600          /* x1 = exit code; the vCPU stops. */
#define VCM_SMCCC_CONSOLE_WRITE 0x86005601 /* x1 = guest address, x2 = length in bytes. */
#define VCM_SMCCC_MARKER 0x86005602        /* x1 = guest address of a NUL-terminated name (at most 63 bytes). */
#define VCM_SMCCC_YIELD 0x86005603         /* give up the rest of the time slice. */

/* The guest port: the same four services as MMIO stores to one page of device registers, for guests that
 * also run under real KVM (the reference rig, tests/reference/kvm). KVM hands a 6.1 VMM no HVC but PSCI's,
 * while a store to an IPA outside every memslot reaches the VMM as KVM_EXIT_MMIO (kvm_handle_mmio_return,
 * io_mem_abort). The page sits where QEMU's virt board has nothing (between its virtio-mmio transports at
 * 0x0a000000 and its platform bus at 0x0c000000), so a board VM can have it too.
 * Every access is one 64-bit STR or LDR with no writeback, so its syndrome is valid (ESR_ELx.ISV = 1, Arm ARM
 * D17.2.40) and the hypervisor can emulate it. Guest addresses in the values are the guest's virtual addresses;
 * vcm translates them through the guest's stage 1, while a VMM reads them as IPAs, so guests that use the port
 * pass only identity-mapped addresses. */
#define VCM_GUEST_PORT_BASE 0x0b000000
#define VCM_GUEST_PORT_SIZE 0x1000
#define VCM_GUEST_PORT_CONSOLE 0x00 /* store (length << 48) | address: writes length (at most 4096) bytes. */
#define VCM_GUEST_PORT_MARKER 0x08  /* store the address of a NUL-terminated name (at most 63 bytes). */
#define VCM_GUEST_PORT_EXIT 0x10    /* store the exit code; the vCPU stops. */
#define VCM_GUEST_PORT_YIELD 0x18   /* store anything: give up the rest of the time slice (a VMM just resumes). */
#define VCM_GUEST_PORT_ID 0x20      /* load: VCM_GUEST_PORT_MAGIC, so a guest can tell the port is there. */
#define VCM_GUEST_PORT_MAGIC 0x74726f506d6376ull /* "vcmPort" in little-endian bytes */
#define VCM_GUEST_PORT_LENGTH_SHIFT 48

#endif /* VCM_HYP_GUEST_ABI_H */

/* Linker script for vcm guests: one image at VCM_GUEST_RAM_BASE, entry _start first. Preprocessed by
 * the cross compiler (cmake/AArch64Guest.cmake) so the addresses come from guest_abi.h. */
#include <vcm/hyp/guest_abi.h>

ENTRY(_start)
SECTIONS
{
    . = VCM_GUEST_RAM_BASE;
    .text : { KEEP(*(.text.boot)) *(.text .text.*) }
    .rodata : ALIGN(8) { *(.rodata .rodata.*) }
    .data : ALIGN(8) { *(.data .data.*) }
    .bss (NOLOAD) : ALIGN(16) { __bss_start = .; *(.bss .bss.* COMMON) . = ALIGN(16); __bss_end = .; }
    .stack (NOLOAD) : ALIGN(16) { . += VCM_GUEST_STACK_SIZE; __stack_top = .; }
    __image_end = .;
    ASSERT(__image_end - VCM_GUEST_RAM_BASE <= VCM_GUEST_IMAGE_MAX, "guest image too large")
    /DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}

/* vcm's services as stores to the guest port (guest_abi.h): the transport of the guests that also run under real
 * KVM, which hands a VMM no hypercall but PSCI's, while a store outside every memslot reaches it as
 * KVM_EXIT_MMIO. */
#include "vcm_guest.h"

#include <vcm/hyp/guest_abi.h>

/* One 64-bit STR with a base register and no offset or writeback: the only form whose data abort carries a
 * valid syndrome on every implementation (ISV = 1), so KVM can hand it to the VMM. A C volatile store could
 * be compiled to an STP or a post-indexed store. */
static void port_store(uint64_t offset, uint64_t value)
{
    volatile uint64_t *const reg = (volatile uint64_t *)(uintptr_t)(VCM_GUEST_PORT_BASE + offset);
    __asm__ volatile("str %x0, [%1]" : : "r"(value), "r"(reg) : "memory");
}

void vcm_console_write(const char *text, size_t length)
{
    port_store(VCM_GUEST_PORT_CONSOLE,
               ((uint64_t)length << VCM_GUEST_PORT_LENGTH_SHIFT) | (uint64_t)(uintptr_t)text);
}

void vcm_marker(const char *name)
{
    port_store(VCM_GUEST_PORT_MARKER, (uint64_t)(uintptr_t)name);
}

void vcm_yield(void)
{
    port_store(VCM_GUEST_PORT_YIELD, 0);
}

void vcm_exit(uint64_t code)
{
    port_store(VCM_GUEST_PORT_EXIT, code);
    for (;;) {
    }
}

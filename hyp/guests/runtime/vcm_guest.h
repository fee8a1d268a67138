/* The guest-side runtime of vcm: console output, markers and exit through hypercalls or the guest port (see
 * guest_abi.h and runtime.c). */
#ifndef VCM_GUEST_H
#define VCM_GUEST_H

#include <stddef.h>
#include <stdint.h>

void vcm_console_write(const char *text, size_t length);
void vcm_puts(const char *text);       /* writes text without adding a newline */
void vcm_put_u64(uint64_t value);      /* decimal */
void vcm_put_hex(uint64_t value);      /* 0x-prefixed hexadecimal */
void vcm_marker(const char *name);    /* a named instant on the timeline (at most 63 bytes) */
void vcm_yield(void);
__attribute__((noreturn)) void vcm_exit(uint64_t code);

#endif

/* "name = 0x...\n" on the console, for guests whose host-side tests read values back by name
 * (virt_board_test's reported()). Header-only and static, so guests that do not include it keep their
 * images, and with them the content hashes recorded traces name. */
#ifndef VCM_REPORT_H
#define VCM_REPORT_H

#include "vcm_guest.h"

static inline void vcm_report_hex(const char *name, uint64_t value)
{
    vcm_puts(name);
    vcm_puts(" = ");
    vcm_put_hex(value);
    vcm_puts("\n");
}

#endif

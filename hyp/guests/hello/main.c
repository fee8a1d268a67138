/* The smallest guest: proves the cross build, the loader and the hypercall ABI. It computes something
 * the host can check (a sum, and the running exception level) rather than printing a constant. */
#include "vcm_guest.h"

int main(void)
{
    uint64_t sum = 0;
    for (uint64_t i = 1; i <= 100; ++i)
        sum += i;

    uint64_t current_el;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(current_el));

    vcm_puts("hello from vcm guest\n");
    vcm_puts("sum(1..100) = ");
    vcm_put_u64(sum);
    vcm_puts("\nCurrentEL = ");
    vcm_put_u64((current_el >> 2) & 3);
    vcm_puts("\n");
    return sum == 5050 ? 0 : 1;
}

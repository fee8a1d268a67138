/* latency-probe: the victim beside setway-storm (seeds 001 and 004: set/way maintenance "blows the cache for
 * everyone", and a hypervisor that traps it spends long stretches emulating it). It runs ITEMS short work
 * items of about 1000 instructions of integer arithmetic each, timestamps the end of every item, and reports
 * the largest gap between consecutive items: the longest time it was kept from running.
 *
 * Clock: CNTVCT_EL0, which vcm virtualizes as the modelled time of the core the vCPU runs on (CNTFRQ_EL0 =
 * 62.5 MHz), so the gap is deterministic and includes time the vCPU waited while others ran. If the counter
 * does not advance (reads 0 or a constant) the guest falls back to a software clock counting work-loop
 * iterations, in which every gap is one item by construction. Every item also ends with the marker
 * "probe-item" (markers carry the core's modelled time).
 *
 * Verdict: the guest has no latency bound of its own to judge against, so it exits PASS once all items ran;
 * the only thing it checks is that the work itself completed. */
#include "vcm_guest.h"

#define ITEMS 200
#define ROUNDS 200 /* ~5 instructions per round: ~1000 instructions per item */

static volatile uint64_t sink;

static uint64_t counter(void)
{
    uint64_t value;
    __asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(value) : : "memory");
    return value;
}

static uint64_t work_item(uint64_t x)
{
    for (int i = 0; i < ROUNDS; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        __asm__ volatile("" : "+r"(x)); /* keep the loop as written */
    }
    return x;
}

int main(void)
{
    uint64_t frequency;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frequency));
    uint64_t state = 0x243f6a8885a308d3ull;
    uint64_t software_clock = 0;

    const uint64_t probe0 = counter();
    state = work_item(state);
    ++software_clock;
    const int hardware = counter() != probe0 && probe0 != 0;

    vcm_marker("probe-start");
    uint64_t previous = hardware ? counter() : software_clock;
    uint64_t max_gap = 0;
    for (int item = 0; item < ITEMS; ++item) {
        state = work_item(state);
        software_clock += ROUNDS;
        vcm_marker("probe-item");
        const uint64_t now = hardware ? counter() : software_clock;
        if (now - previous > max_gap)
            max_gap = now - previous;
        previous = now;
    }
    vcm_marker("probe-done");
    sink = state;

    vcm_puts("latency-probe: ");
    vcm_put_u64(ITEMS);
    vcm_puts(" items, max gap between items ");
    vcm_put_u64(max_gap);
    if (hardware) {
        vcm_puts(" CNTVCT ticks at ");
        vcm_put_u64(frequency);
        vcm_puts(" Hz");
    } else {
        vcm_puts(" work-loop rounds (software clock: CNTVCT does not advance)");
    }
    vcm_puts(": PASS\n");
    vcm_exit(0);
}

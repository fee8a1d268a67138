/* smp-setway-bringup: secondary CPU bring-up as 32-bit Linux does it, the reason Xen tracks accesses between
 * batches of set/way operations (2148a125b7: a full-P2M flush per batch "may render unusable a guest OS using
 * them. For instance, Linux 32-bit will use Set/Way operations during secondary CPU bring-up ... it may be
 * possible to hit the CPU bring-up timeout").
 *
 * vCPU 0 turns its MMU and caches on, then starts each other vCPU with PSCI CPU_ON and waits for it to come
 * online, giving up after one second of its counter (Linux's __cpu_up: wait_for_completion_timeout, 1000 ms).
 * Each secondary starts with MMU and caches off, cleans and invalidates its caches by set/way (a batch that
 * traps to Xen and makes it flush the VM), turns its MMU and caches on (which traps again under TVM and flushes
 * again), reports online and switches itself off. The verdict is the guest's: PASS when every secondary came
 * online in time; each late one is reported and marked "bringup-timeout". */
#include "vcm_own_mmu.h"
#include "vcm_psci.h"
#include "vcm_report.h"

#define SECONDARIES 1
#define TIMEOUT_TICKS 62500000ul /* one second of the 62.5 MHz counter */

extern char secondary_entry[];
static uint8_t secondary_stacks[SECONDARIES][4096] __attribute__((aligned(16)));
uint8_t *volatile secondary_stack_top;
static volatile uint64_t online[SECONDARIES + 1];
/* The secondaries' stage 1, built by vCPU 0 and cleaned to the PoC (Linux's idmap): a secondary that rebuilt
 * vCPU 0's table with its caches off would leave vCPU 0 a cached copy older than RAM. */
static uint64_t secondary_level1[512] __attribute__((aligned(4096)));

static uint64_t counter(void)
{
    uint64_t value;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(value));
    return value;
}

void secondary_main(uint64_t cpu)
{
    vcm_dcache_clean_invalidate_setway();
    vcm_own_translation(secondary_level1);
    vcm_sctlr_set(VCM_SCTLR_M | VCM_SCTLR_C | VCM_SCTLR_I);
    online[cpu] = 1;
    psci(PSCI_CPU_OFF, 0, 0, 0);
    for (;;)
        ;
}

int main(void)
{
    vcm_mmu_caches_on();
    vcm_own_identity_map(secondary_level1);
    uint64_t late = 0;
    for (uint64_t cpu = 1; cpu <= SECONDARIES; ++cpu) {
        secondary_stack_top = secondary_stacks[cpu - 1] + sizeof secondary_stacks[cpu - 1];
        vcm_dcache_clean_invalidate_poc((const void *)&secondary_stack_top, sizeof secondary_stack_top);
        const uint64_t start = counter();
        psci(PSCI_CPU_ON, cpu, (uint64_t)(uintptr_t)secondary_entry, cpu);
        while (online[cpu] == 0 && counter() - start < TIMEOUT_TICKS)
            ;
        const uint64_t waited = counter() - start;
        vcm_report_hex("cpu", cpu);
        vcm_report_hex("ticks to come online", waited);
        if (online[cpu] == 0) {
            vcm_marker("bringup-timeout");
            vcm_puts("smp-setway-bringup: a secondary did not come online within one second\n");
            ++late;
        }
    }
    vcm_puts(late == 0 ? "smp-setway-bringup: every secondary online in time: PASS\n"
                       : "smp-setway-bringup: bring-up timed out: FAIL\n");
    return late == 0 ? 0 : 1;
}

/* The smoke guest of the real-KVM reference rig: the smallest guest that exercises every register of the
 * guest port (hyp/include/vcm/hyp/guest_abi.h) and the two KVM paths the rig is for, so that the rig can be
 * proven before vcm's own guests speak the port.
 *
 *   ID load, console write, marker, yield;
 *   MAIR/TCR/TTBR0/SCTLR writes (trapped by HCR_EL2.TVM after vCPU reset: kvm_toggle_cache on each);
 *   MMU and caches on, one DC CISW pass over the level-1 data cache (the first trapped set/way op with caches on
 *   gives kvm_set_way_flush, arch/arm64/kvm/mmu.c kvm_set_way_flush);
 *   caches off (trapped again: the flush set TVM), exit 0 through the port.
 *
 * Bare metal: entered at its first byte (IPA 0x40000000) at EL1, MMU and caches off; guest RAM is fresh zeroed
 * memory, so .bss needs no clearing. No libc, no FP/SIMD. */
#include <stddef.h>
#include <stdint.h>

#include <vcm/hyp/guest_abi.h>

#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_I (1ull << 12)

uint8_t smoke_stack[16384] __attribute__((aligned(16))); /* global: _start names it */
/* Level-1 table of the identity map: 4 KiB granule, 39-bit VA, 512 entries of 1 GiB. */
static uint64_t level1[512] __attribute__((aligned(4096)));

__attribute__((noreturn)) void entry(void);

__asm__(".section .text.entry, \"ax\"\n"
        ".global _start\n"
        "_start:\n"
        "    adrp x1, smoke_stack + 16384\n"
        "    add  x1, x1, :lo12:smoke_stack + 16384\n"
        "    mov  sp, x1\n"
        "    b    entry\n"
        ".previous\n");

static void port_store(uint64_t offset, uint64_t value)
{
    /* One 64-bit STR without writeback, so KVM gets a valid syndrome (ESR_EL2.ISV) and can hand it to the VMM. */
    __asm__ volatile("str %0, [%1]" : : "r"(value), "r"(VCM_GUEST_PORT_BASE + offset) : "memory");
}

static uint64_t port_load(uint64_t offset)
{
    uint64_t value;
    __asm__ volatile("ldr %0, [%1]" : "=r"(value) : "r"(VCM_GUEST_PORT_BASE + offset) : "memory");
    return value;
}

static void puts_port(const char *text)
{
    size_t length = 0;
    while (text[length] != '\0')
        ++length;
    port_store(VCM_GUEST_PORT_CONSOLE, ((uint64_t)length << VCM_GUEST_PORT_LENGTH_SHIFT) | (uint64_t)(uintptr_t)text);
}

__attribute__((noreturn)) static void exit_port(uint64_t code)
{
    port_store(VCM_GUEST_PORT_EXIT, code);
    for (;;)
        __asm__ volatile("wfi");
}

#define READ_SYSREG(name)                                                                                  \
    ({                                                                                                     \
        uint64_t value_;                                                                                   \
        __asm__ volatile("mrs %0, " #name : "=r"(value_));                                                 \
        value_;                                                                                            \
    })
#define WRITE_SYSREG(name, value) __asm__ volatile("msr " #name ", %0\n isb" : : "r"((uint64_t)(value)) : "memory")

static void caches_on(void)
{
    /* GiB 0 (the port and the other devices) Device-nGnRnE, GiB 1 (RAM) Normal write-back inner shareable. */
    level1[0] = 0x00000000ull | (1ull << 10) /* AF */ | (1ull << 2) /* AttrIndx 1 */ | 1 /* block */;
    level1[1] = 0x40000000ull | (1ull << 10) | (3ull << 8) /* SH inner */ | (0ull << 2) /* AttrIndx 0 */ | 1;
    __asm__ volatile("dsb sy" : : : "memory");
    WRITE_SYSREG(mair_el1, 0x00ffull);                   /* attribute 0 Normal WB, attribute 1 Device-nGnRnE */
    WRITE_SYSREG(tcr_el1, 25ull                          /* T0SZ: 39-bit VA, walks start at level 1 */
                              | (1ull << 8) | (1ull << 10) /* IRGN0, ORGN0: write-back walks */
                              | (3ull << 12)               /* SH0 inner shareable */
                              | (1ull << 23)               /* EPD1: no TTBR1 walks */
                              | (2ull << 32));             /* IPS: 40 bits */
    WRITE_SYSREG(ttbr0_el1, (uint64_t)(uintptr_t)level1);
    __asm__ volatile("tlbi vmalle1\n dsb nsh\n isb" : : : "memory");
    WRITE_SYSREG(sctlr_el1, READ_SYSREG(sctlr_el1) | SCTLR_M | SCTLR_C | SCTLR_I);
}

static void caches_off(void)
{
    WRITE_SYSREG(sctlr_el1, READ_SYSREG(sctlr_el1) & ~(SCTLR_M | SCTLR_C));
}

/* DC CISW over every set and way of the level-1 data cache, geometry from CCSIDR_EL1 (its FEAT_CCIDX layout
 * when ID_AA64MMFR2_EL1.CCIDX says so). Returns the number of operations. */
static uint64_t clean_invalidate_level1(void)
{
    WRITE_SYSREG(csselr_el1, 0); /* level 1, data */
    uint64_t ccsidr = READ_SYSREG(ccsidr_el1);
    uint64_t ccidx = (READ_SYSREG(id_aa64mmfr2_el1) >> 20) & 0xf;
    uint64_t line_shift = (ccsidr & 7) + 4;
    uint64_t ways = ccidx ? ((ccsidr >> 3) & 0x1fffff) + 1 : ((ccsidr >> 3) & 0x3ff) + 1;
    uint64_t sets = ccidx ? ((ccsidr >> 32) & 0xffffff) + 1 : ((ccsidr >> 13) & 0x7fff) + 1;
    uint64_t way_bits = 0;
    while ((1ull << way_bits) < ways)
        ++way_bits;
    uint64_t ops = 0;
    for (uint64_t way = 0; way < ways; ++way)
        for (uint64_t set = 0; set < sets; ++set) {
            uint64_t operand = (way_bits ? way << (32 - way_bits) : 0) | (set << line_shift) | (0 << 1);
            __asm__ volatile("dc cisw, %0" : : "r"(operand) : "memory");
            ++ops;
        }
    __asm__ volatile("dsb sy\n isb" : : : "memory");
    return ops;
}

static void put_u64(uint64_t value)
{
    static char digits[21];
    size_t n = sizeof digits - 1;
    do {
        digits[--n] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    puts_port(&digits[n]);
}

void entry(void)
{
    if (port_load(VCM_GUEST_PORT_ID) != VCM_GUEST_PORT_MAGIC)
        exit_port(2);
    puts_port("smoke: hello through the guest port\n");
    port_store(VCM_GUEST_PORT_MARKER, (uint64_t)(uintptr_t)"smoke-start");
    port_store(VCM_GUEST_PORT_YIELD, 0);

    caches_on();
    port_store(VCM_GUEST_PORT_MARKER, (uint64_t)(uintptr_t)"caches-on");
    uint64_t ops = clean_invalidate_level1();
    port_store(VCM_GUEST_PORT_MARKER, (uint64_t)(uintptr_t)"setway-done");
    caches_off();
    port_store(VCM_GUEST_PORT_MARKER, (uint64_t)(uintptr_t)"caches-off");

    puts_port("smoke: DC CISW operations on level 1: ");
    put_u64(ops);
    puts_port("\nsmoke: done\n");
    exit_port(0);
}

/* vmm: the smallest VMM that runs one of vcm's bare-metal guest images under real Linux KVM/arm64, so that
 * KVM's own tracepoints can be recorded as a reference (tests/reference/kvm/record.sh runs it under
 * `trace-cmd record -e kvm` inside an emulated Arm machine).
 *
 *   vmm [--ram-mib N] [--timeout-s S] IMAGE
 *
 * The guest gets one vCPU and N MiB of RAM (default 64) at VCM_GUEST_RAM_BASE; IMAGE is copied to the first byte
 * of RAM and entered there at EL1 with the MMU and caches off and x0 = 0, the contract of
 * hyp/include/vcm/hyp/guest_abi.h. The guest talks to us only through the guest port (VCM_GUEST_PORT_BASE, the
 * same header): KVM hands a 6.1 VMM no HVC but PSCI's, while an access to an IPA that no memslot covers exits
 * to user space as KVM_EXIT_MMIO (Documentation/virt/kvm/api.rst, section "KVM_RUN", "KVM_EXIT_MMIO").
 *
 * Exit status: the guest's exit code (VCM_GUEST_PORT_EXIT; 255 if it does not fit), 0 after a PSCI SYSTEM_OFF or
 * SYSTEM_RESET, 124 when --timeout-s expires (as timeout(1) does), 2 for a usage error, 3 for anything the
 * guest or KVM did that this VMM does not expect (the message names it).
 *
 * Built static for arm64 (no libraries in the initramfs beyond what trace-cmd needs):
 *   aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -I hyp/include -o vmm tests/reference/kvm/vmm/vmm.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <vcm/hyp/guest_abi.h>

enum {
    EXIT_USAGE = 2,
    EXIT_UNEXPECTED = 3,
    EXIT_TIMEOUT = 124,
};

#define MARKER_MAX 63      /* guest_abi.h: a marker name is at most 63 bytes */
#define CONSOLE_MAX 4096   /* guest_abi.h: one console store writes at most 4096 bytes */

struct vm {
    int kvm_fd;
    int vm_fd;
    int vcpu_fd;
    struct kvm_run *run;     /* the vCPU's shared kvm_run page(s), KVM_GET_VCPU_MMAP_SIZE bytes */
    uint8_t *ram;            /* host mapping of guest RAM */
    uint64_t ram_base;       /* its IPA */
    uint64_t ram_size;
    bool console_at_line_start; /* so that our own lines never glue onto a line of guest output */
};

static volatile sig_atomic_t timed_out;

/* ---------------------------------------------------------------------------------------------------------
 * Messages */

/* Our own lines go to stderr, the guest's console bytes to stdout; both are unbuffered write()s, so on one
 * terminal they appear in the order they happened. */
static void say(struct vm *vm, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void say(struct vm *vm, const char *format, ...)
{
    char line[512];
    size_t n = 0;
    if (vm != NULL && !vm->console_at_line_start) {
        line[n++] = '\n';
        vm->console_at_line_start = true;
    }
    va_list args;
    va_start(args, format);
    int written = vsnprintf(line + n, sizeof line - n, format, args);
    va_end(args);
    if (written < 0)
        return;
    n += (size_t)written < sizeof line - n ? (size_t)written : sizeof line - n - 1;
    if (write(STDERR_FILENO, line, n) < 0) {
        /* Nowhere left to report it. */
    }
}

__attribute__((noreturn, format(printf, 3, 4))) static void die(struct vm *vm, int status, const char *format, ...)
{
    char text[400];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    say(vm, "vmm: error: %s\n", text);
    exit(status);
}

/* An ioctl that must succeed: on failure the message names the ioctl and errno. */
#define CHECKED_IOCTL(vm, fd, request, arg)                                                                \
    do {                                                                                                   \
        if (ioctl((fd), (request), (arg)) < 0)                                                             \
            die((vm), EXIT_UNEXPECTED, "%s: %s", #request, strerror(errno));                              \
    } while (0)

static const char *exit_reason_name(uint32_t reason)
{
    switch (reason) {
    case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
    case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
    case KVM_EXIT_HYPERCALL: return "KVM_EXIT_HYPERCALL";
    case KVM_EXIT_DEBUG: return "KVM_EXIT_DEBUG";
    case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
    case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
    case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
    case KVM_EXIT_INTR: return "KVM_EXIT_INTR";
    case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
    case KVM_EXIT_SYSTEM_EVENT: return "KVM_EXIT_SYSTEM_EVENT";
    case KVM_EXIT_ARM_NISV: return "KVM_EXIT_ARM_NISV";
    case KVM_EXIT_DIRTY_RING_FULL: return "KVM_EXIT_DIRTY_RING_FULL";
    default: return "an exit reason this VMM does not know";
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Set-up: the KVM API sequence of Documentation/virt/kvm/api.rst for arm64 */

static uint64_t parse_number(const char *option, const char *text, uint64_t min, uint64_t max)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        die(NULL, EXIT_USAGE, "%s wants a number from %" PRIu64 " to %" PRIu64 ", not '%s'", option, min, max,
            text);
    return value;
}

/* One memslot covers all of guest RAM (api.rst, KVM_SET_USER_MEMORY_REGION). Everything else in the IPA
 * space, the guest port included, is unbacked, so a guest access there is a stage-2 fault that KVM turns into
 * KVM_EXIT_MMIO (arch/arm64/kvm/mmu.c kvm_handle_guest_abort -> io_mem_abort in mmio.c). */
static void create_vm(struct vm *vm, uint64_t ram_mib)
{
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0)
        die(NULL, EXIT_UNEXPECTED, "/dev/kvm: %s (is KVM enabled in this kernel and did it initialise?)",
            strerror(errno));
    int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        die(NULL, EXIT_UNEXPECTED, "KVM_GET_API_VERSION is %d, this VMM speaks %d", version, KVM_API_VERSION);

    /* Machine type 0: the default 40-bit IPA space (api.rst, KVM_CREATE_VM, the arm64 IPA size), ample for RAM
     * at 1 GiB and the port at 176 MiB. */
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0)
        die(NULL, EXIT_UNEXPECTED, "KVM_CREATE_VM: %s", strerror(errno));

    vm->ram_base = VCM_GUEST_RAM_BASE;
    vm->ram_size = ram_mib << 20;
    /* Anonymous memory is zero-filled, which is what the guests' .bss and buffers expect. */
    void *ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        die(NULL, EXIT_UNEXPECTED, "cannot map %" PRIu64 " MiB of guest RAM: %s", ram_mib, strerror(errno));
    vm->ram = ram;

    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .flags = 0,
        .guest_phys_addr = vm->ram_base,
        .memory_size = vm->ram_size,
        .userspace_addr = (uint64_t)(uintptr_t)vm->ram,
    };
    CHECKED_IOCTL(NULL, vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
}

/* The raw image is copied to the first byte of RAM, where guest_abi.h says it is linked to run. */
static void load_image(struct vm *vm, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(NULL, EXIT_UNEXPECTED, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0)
        die(NULL, EXIT_UNEXPECTED, "%s: %s", path, strerror(errno));
    if (st.st_size <= 0 || (uint64_t)st.st_size > vm->ram_size)
        die(NULL, EXIT_UNEXPECTED, "%s: %lld bytes do not fit %" PRIu64 " bytes of guest RAM", path,
            (long long)st.st_size, vm->ram_size);
    size_t done = 0;
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, vm->ram + done, (size_t)st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die(NULL, EXIT_UNEXPECTED, "%s: read: %s", path, n < 0 ? strerror(errno) : "unexpected end of file");
        done += (size_t)n;
    }
    close(fd);
}

static void set_core_reg(struct vm *vm, uint64_t offset_in_kvm_regs, uint64_t value)
{
    /* A core register's id is its offset in struct kvm_regs in 32-bit words (api.rst, KVM_SET_ONE_REG,
     * "ARM64 registers": 0x6030 0000 0010 <index into the kvm_regs struct:16>). */
    struct kvm_one_reg reg = {
        .id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offset_in_kvm_regs / sizeof(uint32_t)),
        .addr = (uint64_t)(uintptr_t)&value,
    };
    CHECKED_IOCTL(NULL, vm->vcpu_fd, KVM_SET_ONE_REG, &reg);
}

static void create_vcpu(struct vm *vm)
{
    vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu_fd < 0)
        die(NULL, EXIT_UNEXPECTED, "KVM_CREATE_VCPU: %s", strerror(errno));

    int run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run))
        die(NULL, EXIT_UNEXPECTED, "KVM_GET_VCPU_MMAP_SIZE: %s", run_size < 0 ? strerror(errno) : "too small");
    void *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
    if (run == MAP_FAILED)
        die(NULL, EXIT_UNEXPECTED, "mmap of the vCPU's kvm_run: %s", strerror(errno));
    vm->run = run;

    /* KVM_ARM_PREFERRED_TARGET names the target that matches the host CPU (2, KVM_ARM_TARGET_CORTEX_A57, on a
     * 6.1 kernel on Cortex-A57; KVM_ARM_TARGET_GENERIC_V8 otherwise), and KVM_ARM_VCPU_INIT with it resets the
     * vCPU (api.rst, KVM_ARM_PREFERRED_TARGET and KVM_ARM_VCPU_INIT). PSCI 0.2 is asked for so that a guest's
     * SYSTEM_OFF reaches us as KVM_EXIT_SYSTEM_EVENT (arch/arm64/kvm/psci.c kvm_psci_system_off). */
    struct kvm_vcpu_init init;
    memset(&init, 0, sizeof init);
    CHECKED_IOCTL(NULL, vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init);
    memset(init.features, 0, sizeof init.features);
    init.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
    CHECKED_IOCTL(NULL, vm->vcpu_fd, KVM_ARM_VCPU_INIT, &init);

    /* The reset state (arch/arm64/kvm/reset.c kvm_reset_vcpu) is already what guest_abi.h promises: PSTATE is
     * EL1h with D, A, I and F masked, SCTLR_EL1 has the MMU and caches off (its reset value), the general
     * registers are zero. Only PC must move to the image; x0 is set anyway so the contract does not rest on a
     * detail of reset.c. */
    set_core_reg(vm, offsetof(struct kvm_regs, regs.pc), vm->ram_base);
    set_core_reg(vm, offsetof(struct kvm_regs, regs.regs[0]), 0);
}

/* ---------------------------------------------------------------------------------------------------------
 * The guest port (guest_abi.h) */

/* The guest's addresses are IPAs (the guests identity-map what they pass). Returns the host pointer, or NULL
 * if [ipa, ipa + length) is not all in RAM. */
static const uint8_t *guest_bytes(const struct vm *vm, uint64_t ipa, uint64_t length)
{
    if (ipa < vm->ram_base || ipa - vm->ram_base > vm->ram_size || length > vm->ram_size - (ipa - vm->ram_base))
        return NULL;
    /* Under TCG there are no caches to disagree about. On real hardware a guest that writes with its caches
     * off writes around them, and this cacheable host mapping could read stale lines; the strings the guests
     * print are mostly in their image, which we wrote ourselves. */
    return vm->ram + (ipa - vm->ram_base);
}

static void write_all(int fd, const uint8_t *bytes, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the console went away: nothing useful to do about it */
        bytes += n;
        length -= (size_t)n;
    }
}

static void port_console(struct vm *vm, uint64_t value)
{
    uint64_t length = value >> VCM_GUEST_PORT_LENGTH_SHIFT;
    uint64_t address = value & ((1ull << VCM_GUEST_PORT_LENGTH_SHIFT) - 1);
    const uint8_t *text = guest_bytes(vm, address, length);
    if (length > CONSOLE_MAX || text == NULL)
        die(vm, EXIT_UNEXPECTED, "console write of %" PRIu64 " bytes at IPA 0x%" PRIx64
            " is not in guest RAM or longer than %d bytes", length, address, CONSOLE_MAX);
    if (length == 0)
        return;
    write_all(STDOUT_FILENO, text, (size_t)length);
    vm->console_at_line_start = text[length - 1] == '\n';
}

static void port_marker(struct vm *vm, uint64_t address)
{
    /* Read at most MARKER_MAX + 1 bytes, stopping at the end of RAM, and insist on the NUL. */
    char name[MARKER_MAX + 1];
    size_t n = 0;
    for (; n < sizeof name; ++n) {
        const uint8_t *byte = guest_bytes(vm, address + n, 1);
        if (byte == NULL)
            die(vm, EXIT_UNEXPECTED, "marker name at IPA 0x%" PRIx64 " runs out of guest RAM", address);
        name[n] = (char)*byte;
        if (name[n] == '\0')
            break;
    }
    if (n == sizeof name)
        die(vm, EXIT_UNEXPECTED, "marker name at IPA 0x%" PRIx64 " is longer than %d bytes", address, MARKER_MAX);
    for (size_t i = 0; i < n; ++i)
        if (name[i] < 0x20 || name[i] > 0x7e)
            name[i] = '?'; /* one marker is one line */
    say(vm, "vmm: marker %s\n", name);
}

/* One KVM_EXIT_MMIO (api.rst "KVM_EXIT_MMIO": phys_addr, data[8], len, is_write). For a load we fill data and
 * KVM completes the guest's LDR on the next KVM_RUN (arch/arm64/kvm/mmio.c kvm_handle_mmio_return). Returns
 * only if the guest is to continue. */
static void handle_mmio(struct vm *vm)
{
    const uint64_t address = vm->run->mmio.phys_addr;
    const uint32_t length = vm->run->mmio.len;
    const bool is_write = vm->run->mmio.is_write != 0;

    if (address < VCM_GUEST_PORT_BASE || address >= VCM_GUEST_PORT_BASE + VCM_GUEST_PORT_SIZE)
        die(vm, EXIT_UNEXPECTED, "KVM_EXIT_MMIO: %u-byte %s at IPA 0x%" PRIx64 ", outside guest RAM and the guest port",
            length, is_write ? "store" : "load", address);
    const uint64_t offset = address - VCM_GUEST_PORT_BASE;
    if (length != sizeof(uint64_t))
        die(vm, EXIT_UNEXPECTED, "KVM_EXIT_MMIO: %u-byte %s at guest port offset 0x%" PRIx64 ": the port takes only "
            "64-bit accesses", length, is_write ? "store" : "load", offset);

    if (!is_write) {
        if (offset != VCM_GUEST_PORT_ID)
            die(vm, EXIT_UNEXPECTED, "KVM_EXIT_MMIO: load from guest port offset 0x%" PRIx64 ", which is not ID",
                offset);
        uint64_t magic = VCM_GUEST_PORT_MAGIC;
        memcpy(vm->run->mmio.data, &magic, sizeof magic); /* little-endian, as the guest reads it */
        return;
    }

    uint64_t value;
    memcpy(&value, vm->run->mmio.data, sizeof value);
    switch (offset) {
    case VCM_GUEST_PORT_CONSOLE:
        port_console(vm, value);
        return;
    case VCM_GUEST_PORT_MARKER:
        port_marker(vm, value);
        return;
    case VCM_GUEST_PORT_YIELD:
        return; /* a single vCPU has no one to yield to */
    case VCM_GUEST_PORT_EXIT:
        say(vm, "vmm: exit %" PRIu64 "\n", value);
        exit(value <= 255 ? (int)value : 255);
    default:
        die(vm, EXIT_UNEXPECTED, "KVM_EXIT_MMIO: store of 0x%" PRIx64 " to guest port offset 0x%" PRIx64
            ", which is no register", value, offset);
    }
}

/* api.rst "KVM_EXIT_SYSTEM_EVENT": PSCI SYSTEM_OFF and SYSTEM_RESET end the run like an exit; anything else
 * (a crash report, a wake-up or suspend we never enabled) is unexpected. */
static void handle_system_event(struct vm *vm)
{
    const uint32_t type = vm->run->system_event.type;
    switch (type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        say(vm, "vmm: system event SHUTDOWN (PSCI SYSTEM_OFF)\n");
        exit(0);
    case KVM_SYSTEM_EVENT_RESET:
        say(vm, "vmm: system event RESET (PSCI SYSTEM_RESET)\n");
        exit(0);
    case KVM_SYSTEM_EVENT_CRASH:
        die(vm, EXIT_UNEXPECTED, "KVM_EXIT_SYSTEM_EVENT: CRASH");
    default:
        die(vm, EXIT_UNEXPECTED, "KVM_EXIT_SYSTEM_EVENT of type %u", type);
    }
}

static uint64_t guest_pc(struct vm *vm)
{
    uint64_t pc = 0;
    struct kvm_one_reg reg = {
        .id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
              (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t)),
        .addr = (uint64_t)(uintptr_t)&pc,
    };
    if (ioctl(vm->vcpu_fd, KVM_GET_ONE_REG, &reg) < 0)
        return UINT64_MAX;
    return pc;
}

static void on_alarm(int signal)
{
    (void)signal;
    timed_out = 1;
}

/* The KVM_RUN loop. A pending signal makes KVM_RUN return -1 with EINTR (api.rst, KVM_RUN, "EINTR";
 * arch/arm64/kvm/arm.c kvm_arch_vcpu_ioctl_run checks signal_pending before each guest entry), which is how
 * --timeout-s stops a guest that never exits: SIGALRM's handler is installed without SA_RESTART. */
static void run(struct vm *vm)
{
    for (;;) {
        if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR) {
                if (timed_out) {
                    say(vm, "vmm: timeout: the guest did not exit in time (PC 0x%" PRIx64 ")\n", guest_pc(vm));
                    exit(EXIT_TIMEOUT);
                }
                continue;
            }
            /* e.g. ENOSYS for a data abort on MMIO without a valid syndrome (an access the guest port rules
             * out), EFAULT for a stage-2 fault KVM cannot resolve (arch/arm64/kvm/mmio.c io_mem_abort). */
            die(vm, EXIT_UNEXPECTED, "KVM_RUN: %s (guest PC 0x%" PRIx64 ")", strerror(errno), guest_pc(vm));
        }
        switch (vm->run->exit_reason) {
        case KVM_EXIT_MMIO:
            handle_mmio(vm);
            break;
        case KVM_EXIT_SYSTEM_EVENT:
            handle_system_event(vm);
            break;
        case KVM_EXIT_INTR:
            if (timed_out) {
                say(vm, "vmm: timeout: the guest did not exit in time (PC 0x%" PRIx64 ")\n", guest_pc(vm));
                exit(EXIT_TIMEOUT);
            }
            break;
        case KVM_EXIT_FAIL_ENTRY:
            die(vm, EXIT_UNEXPECTED, "KVM_EXIT_FAIL_ENTRY: hardware_entry_failure_reason 0x%llx",
                (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            die(vm, EXIT_UNEXPECTED, "KVM_EXIT_INTERNAL_ERROR: suberror %u", vm->run->internal.suberror);
        default:
            die(vm, EXIT_UNEXPECTED, "exit reason %u (%s) at guest PC 0x%" PRIx64, vm->run->exit_reason,
                exit_reason_name(vm->run->exit_reason), guest_pc(vm));
        }
    }
}

static void usage(void)
{
    fputs("usage: vmm [--ram-mib N] [--timeout-s S] IMAGE\n"
          "  Runs the raw AArch64 guest IMAGE under KVM, loaded and entered at IPA 0x40000000.\n"
          "  --ram-mib N    guest RAM in MiB (default 64)\n"
          "  --timeout-s S  give up after S seconds with status 124 (default 0: never)\n",
          stderr);
    exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
    uint64_t ram_mib = 64;
    uint64_t timeout_s = 0;
    const char *image = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--ram-mib") == 0 && i + 1 < argc)
            ram_mib = parse_number("--ram-mib", argv[++i], 1, 2048);
        else if (strcmp(argv[i], "--timeout-s") == 0 && i + 1 < argc)
            timeout_s = parse_number("--timeout-s", argv[++i], 0, UINT_MAX);
        else if (argv[i][0] == '-' || image != NULL)
            usage();
        else
            image = argv[i];
    }
    if (image == NULL)
        usage();

    struct vm vm;
    memset(&vm, 0, sizeof vm);
    vm.console_at_line_start = true;
    create_vm(&vm, ram_mib);
    load_image(&vm, image);
    create_vcpu(&vm);

    if (timeout_s > 0) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_alarm; /* no SA_RESTART: KVM_RUN must return EINTR */
        sigemptyset(&action.sa_mask);
        if (sigaction(SIGALRM, &action, NULL) < 0)
            die(NULL, EXIT_UNEXPECTED, "sigaction: %s", strerror(errno));
        alarm((unsigned)timeout_s);
    }
    run(&vm);
}

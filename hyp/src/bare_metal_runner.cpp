// Unicorn-backed minimal runner: one engine, flat RAM, HVC decoded as the vcm hypercall ABI.
#include "vcm/hyp/bare_metal_runner.h"

#include "vcm/hyp/guest_abi.h"

#include <fmt/core.h>
#include <unicorn/unicorn.h>

#include <array>
#include <memory>

namespace vcm::hyp {
namespace {

// Unicorn 2.0.1 has no EL2: an HVC executed at EL1 raises an undefined-instruction exception with the
// PC still at the HVC (shared/reference/unicorn-notes.md). QEMU's EXCP_UDEF is 1.
constexpr std::uint32_t kExceptionUndefined = 1;

// HVC #imm16 encoding (Arm ARM C6.2.131): 1101 0100 000 imm16 000 10.
constexpr std::uint32_t kHvcMask = 0xffe0001fu;
constexpr std::uint32_t kHvcBits = 0xd4000002u;

// An address past the image that is never executed: uc_emu_start() re-translates the block containing
// `until` on every return (simulators.md section 3.4), so it must not be hot code.
constexpr std::uint64_t kNeverExecuted = 0xffff'ffff'ffff'fffcull;

// Upper bound for one console write: protects the host from a guest passing a wild length.
constexpr std::uint64_t kMaxConsoleWrite = 64u << 10;

struct EngineDeleter {
    void operator()(uc_engine* uc) const { uc_close(uc); }
};
using Engine = std::unique_ptr<uc_engine, EngineDeleter>;

struct RunContext {
    BareMetalRunResult result;
    std::uint64_t ramEnd = 0;
    bool stopped = false;
};

std::uint64_t readRegister(uc_engine* uc, int reg)
{
    std::uint64_t value = 0;
    uc_reg_read(uc, reg, &value);
    return value;
}

void stopWithFault(uc_engine* uc, RunContext& ctx, std::string what)
{
    ctx.result.stop = GuestStop::Fault;
    ctx.result.faultDescription = fmt::format("{} at pc={:#x}", what, readRegister(uc, UC_ARM64_REG_PC));
    ctx.stopped = true;
    uc_emu_stop(uc);
}

void handleHypercall(uc_engine* uc, RunContext& ctx, std::uint32_t imm)
{
    switch (imm) {
    case VCM_HVC_EXIT:
        ctx.result.stop = GuestStop::Exited;
        ctx.result.exitCode = readRegister(uc, UC_ARM64_REG_X0);
        ctx.stopped = true;
        uc_emu_stop(uc);
        return;
    case VCM_HVC_CONSOLE_WRITE: {
        const std::uint64_t address = readRegister(uc, UC_ARM64_REG_X0);
        const std::uint64_t length = readRegister(uc, UC_ARM64_REG_X1);
        if (length > kMaxConsoleWrite || address < VCM_GUEST_RAM_BASE || address + length > ctx.ramEnd ||
            address + length < address) {
            stopWithFault(uc, ctx, fmt::format("console write of {} bytes at {:#x} is outside guest RAM",
                                               length, address));
            return;
        }
        std::string text(length, '\0');
        uc_mem_read(uc, address, text.data(), length);
        ctx.result.console += text;
        return;
    }
    default:
        stopWithFault(uc, ctx, fmt::format("unknown hypercall HVC #{:#x}", imm));
    }
}

void onInterrupt(uc_engine* uc, std::uint32_t intno, void* user)
{
    auto& ctx = *static_cast<RunContext*>(user);
    const std::uint64_t pc = readRegister(uc, UC_ARM64_REG_PC);
    std::uint32_t insn = 0;
    if (intno == kExceptionUndefined && uc_mem_read(uc, pc, &insn, sizeof insn) == UC_ERR_OK &&
        (insn & kHvcMask) == kHvcBits) {
        handleHypercall(uc, ctx, (insn >> 5) & 0xffffu);
        if (!ctx.stopped) {
            const std::uint64_t next = pc + 4;
            uc_reg_write(uc, UC_ARM64_REG_PC, &next);
        }
        return;
    }
    stopWithFault(uc, ctx, fmt::format("unhandled exception {} (instruction {:#010x})", intno, insn));
}

} // namespace

const char* toString(GuestStop stop)
{
    switch (stop) {
    case GuestStop::Exited:
        return "exited";
    case GuestStop::Fault:
        return "fault";
    case GuestStop::BudgetExhausted:
        return "budget-exhausted";
    }
    return "?";
}

BareMetalRunResult runBareMetal(const GuestImage& image, const BareMetalRunOptions& options)
{
    RunContext ctx;
    ctx.ramEnd = VCM_GUEST_RAM_BASE + options.ramBytes;
    if (image.bytes.size() > options.ramBytes) {
        ctx.result.faultDescription = fmt::format("image of {} bytes does not fit in {} bytes of guest RAM",
                                                  image.bytes.size(), options.ramBytes);
        return ctx.result;
    }

    uc_engine* raw = nullptr;
    if (uc_err err = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &raw); err != UC_ERR_OK) {
        ctx.result.faultDescription = fmt::format("cannot create the CPU engine: {}", uc_strerror(err));
        return ctx.result;
    }
    Engine uc(raw);
    uc_mem_map(uc.get(), VCM_GUEST_RAM_BASE, options.ramBytes, UC_PROT_ALL);
    uc_mem_write(uc.get(), VCM_GUEST_RAM_BASE, image.bytes.data(), image.bytes.size());

    uc_hook hook{};
    uc_hook_add(uc.get(), &hook, UC_HOOK_INTR, reinterpret_cast<void*>(&onInterrupt), &ctx, 1, 0);

    const uc_err err = uc_emu_start(uc.get(), VCM_GUEST_RAM_BASE, kNeverExecuted, 0, options.instructionBudget);
    if (ctx.stopped)
        return ctx.result;
    if (err != UC_ERR_OK) {
        stopWithFault(uc.get(), ctx, fmt::format("guest fault: {}", uc_strerror(err)));
        return ctx.result;
    }
    ctx.result.stop = GuestStop::BudgetExhausted;
    ctx.result.faultDescription =
        fmt::format("instruction budget of {} exhausted at pc={:#x}", options.instructionBudget,
                    readRegister(uc.get(), UC_ARM64_REG_PC));
    return ctx.result;
}

} // namespace vcm::hyp

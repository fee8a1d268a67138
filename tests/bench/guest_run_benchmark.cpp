// Guest instructions/s and memory accesses/s of real guests on vcm, next to bare Unicorn running the same image.
//
// BM_VcmGuest/<guest>: the whole machine (default MachineConfig: 4 cores, 3 cache levels with data, the coherence
// oracle), one VM, one vCPU, every load and store routed through the model. Machine construction, image loading and
// destruction are excluded from the timing; translation of guest code by Unicorn (it starts cold in every new
// engine) is included, as it is in the baseline.
//
// BM_UnicornNoHooks/<guest>: the same image on a bare Unicorn engine with no per-instruction, per-block or per-access
// hook. Two hooks remain, neither on the hot path: UC_HOOK_INTR (runs only when an exception is raised, i.e. on the
// guest's hypercalls) and a UC_HOOK_INSN on MSR (Unicorn calls it only for MSR instructions; it keeps Unicorn's own
// MMU off, see onMsr). Bare Unicorn cannot count instructions or accesses without hooks, so they are counted once in
// a separate, untimed run with block and memory hooks; its rates are those counts divided by the hook-free time.
//
// BM_UnicornAccessHooks/<guest>: the same, timed with those counting hooks installed (a block hook, a read/write
// hook doing one increment): what any model reached through Unicorn 2.0.1's access hooks costs before it does
// anything, the floor under BM_VcmGuest.
//
// BM_UnicornReadOnlyRamHooks/<guest>: counting hooks as above, on guest RAM mapped read-only to the engine the way
// vcm maps it: loads reach the read hook, stores reach the write-protection hook, which copies the value into the
// host buffer itself, and the engine then drops the store. This skips Unicorn 2.0.1's per-store self-modifying-code
// check on writable RAM (notdirty_write, unicorn#1970), so it is the floor under BM_VcmGuest as vcm runs today;
// BM_UnicornAccessHooks is the floor of a model that lets the engine store.
//
// The two sides do not run exactly the same instruction stream: the guests read CLIDR_EL1/CCSIDR_EL1, which vcm
// answers from the modelled cache geometry and bare Unicorn from its Cortex-A72, so bootloader-setway runs a
// different number of DC CISW iterations on each side. The per-run `instructions` and `accesses` counters show it.
#include "vcm/hyp/guest_abi.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/machine.h"

#include <benchmark/benchmark.h>
#include <unicorn/unicorn.h>

#include <array>
#include <cstring>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using vcm::hyp::GuestImage;

constexpr std::uint64_t kInstructionBudget = 200'000'000;
constexpr std::uint64_t kRamBytes = 16u << 20;

struct GuestCase {
    const char* name;
    // bootloader-setway exits with 1 on vcm by design: its set/way clean cannot reach the system cache, so it
    // reads stale data with the caches off. Only linux-like must pass on both sides.
    bool mustPass;
};

constexpr std::array kGuests{GuestCase{"linux-like", true}, GuestCase{"bootloader-setway", false}};

GuestImage loadGuest(const GuestCase& guest)
{
    return GuestImage::load(std::string(VCM_GUEST_DIR) + "/" + guest.name + ".bin");
}

// Rates from the totals over every timed iteration (the library divides by the timed seconds), plus the figures of
// one run, which are the same for every run: both sides are deterministic.
struct Tally {
    std::uint64_t instructions = 0;
    std::uint64_t accesses = 0;
    std::uint64_t exitCode = 0;
};

void reportCounters(benchmark::State& state, const Tally& total, const Tally& perRun)
{
    state.counters["instructions_per_second"] =
        benchmark::Counter(static_cast<double>(total.instructions), benchmark::Counter::kIsRate);
    state.counters["accesses_per_second"] =
        benchmark::Counter(static_cast<double>(total.accesses), benchmark::Counter::kIsRate);
    state.counters["instructions"] = static_cast<double>(perRun.instructions);
    state.counters["accesses"] = static_cast<double>(perRun.accesses);
    state.counters["exit_code"] = static_cast<double>(perRun.exitCode);
}

// ---------------------------------------------------------------------------------------------------------------
// vcm

void BM_VcmGuest(benchmark::State& state, GuestCase guest)
{
    try {
        const GuestImage image = loadGuest(guest);
        const vcm::hyp::MachineConfig config;
        vcm::hyp::cpu::TrapHandler passThrough; // must outlive the machine
        Tally total;
        Tally perRun;
        for (auto _ : state) {
            state.PauseTiming();
            auto machine = std::make_unique<vcm::hyp::Machine>(config);
            vcm::hyp::VmSpec spec;
            spec.name = guest.name;
            machine->loadImage(machine->createVm(spec, passThrough), VCM_GUEST_RAM_BASE, image.bytes);
            state.ResumeTiming();

            const vcm::hyp::MachineRun run = machine->run(kInstructionBudget);

            state.PauseTiming();
            const vcm::hyp::VcpuSummary& vcpu = run.vcpus.at(0);
            if (!vcpu.exited || (guest.mustPass && vcpu.exitCode != 0)) {
                const std::string why = std::string(guest.name) + " did not exit cleanly on vcm: exited=" +
                                        std::to_string(vcpu.exited) + " code=" + std::to_string(vcpu.exitCode) +
                                        " fault=" + vcpu.fault + " console=" + vcpu.console;
                state.SkipWithError(why.c_str());
                break;
            }
            perRun = {vcpu.instructions, vcpu.memoryAccesses, vcpu.exitCode};
            total.instructions += perRun.instructions;
            total.accesses += perRun.accesses;
            machine.reset(); // destruction is not timed either
            state.ResumeTiming();
        }
        reportCounters(state, total, perRun);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bare Unicorn

// Jumping here ends emulation: it is uc_emu_start's `until` address, and nothing is mapped there.
constexpr std::uint64_t kNowhere = 0;
constexpr std::uint32_t kExceptionUndefined = 1; // QEMU's EXCP_UDEF: HVC at EL1 without EL2
constexpr std::uint32_t kHvcMask = 0xffe0001f;
constexpr std::uint32_t kHvcBits = 0xd4000002;
// A safety net against a stop that never sticks; a guest run needs one uc_emu_start.
constexpr int kMaxStarts = 8;

enum class BareHooks {
    None,          // the two off-hot-path hooks only
    Counting,      // plus a block hook and a counting read/write hook
    ReadOnlyRam,   // counting hooks on read-only RAM: stores through the write-protection hook
};

struct BareRun {
    std::uint8_t* ram = nullptr; // the engine's RAM, for the write-protection hook (BareHooks::ReadOnlyRam)
    std::uint32_t replayedBytesLeft = 0; // see onProtectedStore
    std::uint64_t replayedNext = 0;
    bool exited = false;
    std::uint64_t exitCode = 0;
    std::string fault;
    std::uint64_t instructions = 0; // counting run only
    std::uint64_t accesses = 0;     // counting run only
};

void onInterrupt(uc_engine* uc, std::uint32_t intno, void* user)
{
    auto& run = *static_cast<BareRun*>(user);
    std::uint64_t pc = 0;
    uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
    std::uint32_t insn = 0;
    uc_mem_read(uc, pc, &insn, sizeof insn);
    if (intno != kExceptionUndefined || (insn & kHvcMask) != kHvcBits) {
        run.fault = "exception " + std::to_string(intno) + " at pc " + std::to_string(pc);
        uc_emu_stop(uc);
        return;
    }
    std::uint64_t functionId = 0;
    uc_reg_read(uc, UC_ARM64_REG_X0, &functionId);
    if (functionId == VCM_SMCCC_EXIT) {
        run.exited = true;
        uc_reg_read(uc, UC_ARM64_REG_X1, &run.exitCode);
        // Unicorn 2.0.1 may drop a stop requested from this hook once the exception is handled; sending the guest
        // to kNowhere ends emulation in that case too (the `until` address, and unmapped).
        uc_reg_write(uc, UC_ARM64_REG_PC, &kNowhere);
        uc_emu_stop(uc);
        return;
    }
    // Console, marker and yield: nothing to do beyond stepping over the HVC.
    pc += 4;
    uc_reg_write(uc, UC_ARM64_REG_PC, &pc);
}

// The guests turn the MMU on with one level of 1 GiB blocks, on which Unicorn 2.0.1's own MMU raises a prefetch
// abort at the next instruction. Swallowing writes to SCTLR_EL1 keeps it off, as vcm keeps it off (vcm translates
// in its own software TLB); the guests map VA == IPA, so the program is unchanged. Unicorn calls this hook only for
// MSR instructions, not per instruction or per access.
std::uint32_t onMsr(uc_engine*, uc_arm64_reg, const uc_arm64_cp_reg* cp, void*)
{
    const bool sctlrEl1 = cp->op0 == 3 && cp->op1 == 0 && cp->crn == 1 && cp->crm == 0 && cp->op2 == 0;
    return sctlrEl1 ? 1 : 0; // 1: skip the instruction
}

void onBlock(uc_engine*, std::uint64_t, std::uint32_t size, void* user)
{
    // Per translated block, as vcm counts its instructions, so the two counts mean the same thing.
    static_cast<BareRun*>(user)->instructions += size / 4;
}

void onAccess(uc_engine*, uc_mem_type, std::uint64_t, int, std::int64_t, void* user)
{
    ++static_cast<BareRun*>(user)->accesses;
}

// Counts the store and does it in the host buffer; `true` lets the engine go on (and drop the store). Unicorn replays
// an unaligned store to such a page as byte stores that reach this hook again: they are skipped, as vcm skips them.
bool onProtectedStore(uc_engine*, uc_mem_type, std::uint64_t address, int size, std::int64_t value, void* user)
{
    auto& run = *static_cast<BareRun*>(user);
    if (run.replayedBytesLeft != 0 && size == 1 && address == run.replayedNext) {
        --run.replayedBytesLeft;
        ++run.replayedNext;
        return true;
    }
    run.replayedBytesLeft = 0;
    if (size > 1 && (address & static_cast<std::uint64_t>(size - 1)) != 0) {
        run.replayedBytesLeft = static_cast<std::uint32_t>(size);
        run.replayedNext = address;
    }
    ++run.accesses;
    const auto raw = static_cast<std::uint64_t>(value);
    std::memcpy(run.ram + (address - VCM_GUEST_RAM_BASE), &raw, static_cast<std::size_t>(size));
    return true;
}

struct EngineCloser {
    void operator()(uc_engine* uc) const { uc_close(uc); }
};
using Engine = std::unique_ptr<uc_engine, EngineCloser>;

void check(uc_err err, const char* what)
{
    if (err != UC_ERR_OK)
        throw std::runtime_error(std::string(what) + ": " + uc_strerror(err));
}

// An engine with the image at the RAM base and the two off-hot-path hooks, plus the hooks `hooks` asks for (the
// untimed counting run uses BareHooks::Counting). `ram` backs the engine's RAM (kRamBytes).
Engine makeEngine(const GuestImage& image, BareRun& run, BareHooks hooks, std::vector<std::uint8_t>& ram)
{
    uc_engine* raw = nullptr;
    check(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &raw), "uc_open");
    Engine uc(raw);
    ram.assign(kRamBytes, 0);
    std::memcpy(ram.data(), image.bytes.data(), image.bytes.size());
    run.ram = ram.data();
    check(uc_mem_map_ptr(raw, VCM_GUEST_RAM_BASE, kRamBytes, UC_PROT_ALL, ram.data()), "uc_mem_map_ptr");
    uc_hook hook{};
    check(uc_hook_add(raw, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(&onInterrupt), &run, 1, 0), "UC_HOOK_INTR");
    check(uc_hook_add(raw, &hook, UC_HOOK_INSN, reinterpret_cast<void*>(&onMsr), nullptr, 1, 0, UC_ARM64_INS_MSR),
          "UC_HOOK_INSN");
    if (hooks != BareHooks::None)
        check(uc_hook_add(raw, &hook, UC_HOOK_BLOCK, reinterpret_cast<void*>(&onBlock), &run, 1, 0), "UC_HOOK_BLOCK");
    if (hooks == BareHooks::Counting)
        check(uc_hook_add(raw, &hook, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(&onAccess),
                          &run, 1, 0),
              "UC_HOOK_MEM");
    if (hooks == BareHooks::ReadOnlyRam) {
        // As vcm maps its mirror (hyp/src/cpu/vcpu.cpp, mapMirror): only uc_mem_protect makes the region read-only
        // to the engine's TLB.
        check(uc_mem_protect(raw, VCM_GUEST_RAM_BASE, kRamBytes, UC_PROT_READ | UC_PROT_EXEC), "uc_mem_protect");
        check(uc_hook_add(raw, &hook, UC_HOOK_MEM_READ, reinterpret_cast<void*>(&onAccess), &run, 1, 0),
              "UC_HOOK_MEM_READ");
        check(uc_hook_add(raw, &hook, UC_HOOK_MEM_WRITE_PROT, reinterpret_cast<void*>(&onProtectedStore), &run, 1, 0),
              "UC_HOOK_MEM_WRITE_PROT");
    }
    return uc;
}

// Runs the guest to its exit hypercall. Restarts only if a stop arrived without the exit (never expected).
void runToExit(uc_engine* uc, BareRun& run)
{
    std::uint64_t pc = VCM_GUEST_RAM_BASE;
    for (int start = 0; start < kMaxStarts && !run.exited && run.fault.empty(); ++start) {
        const uc_err err = uc_emu_start(uc, pc, kNowhere, 0, 0);
        // The kNowhere fallback ends with a fetch error after the exit: expected, not a fault.
        if (err != UC_ERR_OK && !run.exited)
            run.fault = std::string("uc_emu_start: ") + uc_strerror(err);
        uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
    }
    if (!run.exited && run.fault.empty())
        run.fault = "no exit after " + std::to_string(kMaxStarts) + " uc_emu_start calls";
}

std::string bareFailure(const GuestCase& guest, const BareRun& run)
{
    if (run.exited && (!guest.mustPass || run.exitCode == 0))
        return {};
    return std::string(guest.name) + " did not exit cleanly on bare Unicorn: exited=" + std::to_string(run.exited) +
           " code=" + std::to_string(run.exitCode) + " fault=" + run.fault;
}

// hooks: what the timed engine has besides the two off-hot-path hooks (see BareHooks and the file comment).
void runBareUnicorn(benchmark::State& state, const GuestCase& guest, BareHooks hooks)
{
    try {
        const GuestImage image = loadGuest(guest);
        std::vector<std::uint8_t> ram;
        BareRun counted;
        {
            Engine uc = makeEngine(image, counted, BareHooks::Counting, ram);
            runToExit(uc.get(), counted);
        }
        if (const std::string why = bareFailure(guest, counted); !why.empty()) {
            state.SkipWithError(why.c_str());
            return;
        }
        for (auto _ : state) {
            state.PauseTiming();
            BareRun run;
            Engine uc = makeEngine(image, run, hooks, ram);
            state.ResumeTiming();

            runToExit(uc.get(), run);

            state.PauseTiming();
            if (const std::string why = bareFailure(guest, run); !why.empty()) {
                state.SkipWithError(why.c_str());
                break;
            }
            uc.reset(); // uc_close is not timed
            state.ResumeTiming();
        }
        const Tally perRun{counted.instructions, counted.accesses, counted.exitCode};
        const auto runs = static_cast<std::uint64_t>(state.iterations());
        reportCounters(state, {perRun.instructions * runs, perRun.accesses * runs, perRun.exitCode}, perRun);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

void BM_UnicornNoHooks(benchmark::State& state, GuestCase guest)
{
    runBareUnicorn(state, guest, BareHooks::None);
}

void BM_UnicornAccessHooks(benchmark::State& state, GuestCase guest)
{
    runBareUnicorn(state, guest, BareHooks::Counting);
}

void BM_UnicornReadOnlyRamHooks(benchmark::State& state, GuestCase guest)
{
    runBareUnicorn(state, guest, BareHooks::ReadOnlyRam);
}

[[maybe_unused]] const bool kRegistered = [] {
    for (const GuestCase& guest : kGuests) {
        benchmark::RegisterBenchmark((std::string("BM_VcmGuest/") + guest.name).c_str(), BM_VcmGuest, guest)
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark((std::string("BM_UnicornNoHooks/") + guest.name).c_str(), BM_UnicornNoHooks,
                                     guest)
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark((std::string("BM_UnicornAccessHooks/") + guest.name).c_str(),
                                     BM_UnicornAccessHooks, guest)
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark((std::string("BM_UnicornReadOnlyRamHooks/") + guest.name).c_str(),
                                     BM_UnicornReadOnlyRamHooks, guest)
            ->Unit(benchmark::kMillisecond);
    }
    return true;
}();

} // namespace

// vcm boot IMAGE... | vcm boot --board virt --bios FILE: raw images or firmware without a scenario.
#include "hyp_commands.h"
#include "terminal_console.h"

#include "vcm/hyp/guest_abi.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/machine.h"
#include "vcm/hyp/memory/coherence_counts.h"
#include "vcm/hyp/policy/cache_policy.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace vcm::hyp::cli {
namespace {

struct BootOptions {
    std::vector<std::string> images;
    std::string board; // --board virt: boot firmware (--bios) on QEMU's virt board instead
    std::string bios;
    std::uint64_t ramMib = 512;
    std::uint64_t budget = 200'000'000;
    std::uint64_t systemCacheKiB = 4096;
    std::uint64_t seed = 1;
    std::uint64_t speculationRate = 0;
    std::uint32_t migratePercent = 0;
    std::uint64_t slice = hyp::MachineConfig{}.sliceInstructions;
    std::string policy = "native";
};

// Boots firmware on the virt board with the terminal as its UART (until it powers off, resets or faults, or
// Ctrl-C), then prints the run's summary.
int bootBoard(const BootOptions& options)
{
    namespace sc = scenario;
    if (options.board != "virt")
        throw std::invalid_argument(
            fmt::format("--board {}: the only board is virt (QEMU's virt machine)", options.board));
    if (options.bios.empty())
        throw std::invalid_argument("--board virt needs --bios FILE (e.g. /usr/lib/u-boot/qemu_arm64/u-boot.bin)");
    sc::Scenario scenario;
    scenario.file = options.bios;
    scenario.name = "boot";
    scenario.policy = options.policy;
    scenario.machine.topology.systemCache.sizeBytes = options.systemCacheKiB << 10;
    scenario.machine.seed = options.seed;
    scenario.machine.topology.seed = options.seed;
    scenario.machine.speculationFillsPerMillionCycles = options.speculationRate;
    scenario.machine.sliceInstructions = options.slice;
    scenario.instructionBudget = options.budget;
    sc::VmPlan plan;
    plan.spec.name = "d1";
    plan.spec.ramBytes = options.ramMib << 20;
    plan.board = sc::BoardPlan{};
    plan.board->firmware = std::filesystem::absolute(options.bios);
    scenario.vms.push_back(plan);
    TerminalConsole terminal;
    sc::RunHooks hooks;
    hooks.consoleEcho = &TerminalConsole::echo;
    hooks.consoleInput = [&terminal](hyp::board::Pl011Uart& uart) {
        uart.onReceivePoll([&terminal](hyp::board::Pl011Uart& u) { terminal.poll(u); });
    };
    const sc::RunReport report = sc::runScenario(scenario, sc::defaultGuestDirectory(), nullptr, hooks);
    std::fflush(stdout);
    const sc::GuestOutcome& guest = report.guests.at(0);
    fmt::print("\n{}: {}{}\n", guest.name, guest.verdict, guest.fault.empty() ? "" : " - " + guest.fault);
    return guest.verdict == "PASS" ? 0 : 1;
}

// Boots each image in its own VM (one vCPU, VMs placed on cores in turn) with nothing trapped, and prints
// every guest's console and verdict and what the coherence oracle reported.
int bootGuests(const BootOptions& options)
{
    hyp::MachineConfig config;
    config.topology.systemCache.sizeBytes = options.systemCacheKiB << 10;
    config.seed = options.seed;
    config.speculationFillsPerMillionCycles = options.speculationRate;
    config.forcedMigrationPercent = options.migratePercent;
    config.sliceInstructions = options.slice;
    hyp::Machine machine(config);
    hyp::memory::CoherenceCounts counts;
    machine.memory().setListener(&counts);
    std::vector<std::unique_ptr<hyp::policy::CachePolicy>> policies;
    for (std::size_t i = 0; i < options.images.size(); ++i) {
        policies.push_back(hyp::policy::createPolicy(options.policy, machine));
        const auto image = hyp::GuestImage::load(options.images[i]);
        hyp::VmSpec spec;
        spec.name = fmt::format("d{}", i + 1);
        spec.machineBase = 0x8000'0000 + i * spec.ramBytes;
        spec.vcpuCores = {static_cast<hyp::memory::CoreId>(i % config.topology.cores())};
        const std::size_t vm = machine.createVm(spec, *policies.back());
        machine.loadImage(vm, VCM_GUEST_RAM_BASE, image.bytes);
    }
    const hyp::MachineRun run = machine.run(options.budget);
    bool allPassed = true;
    for (std::size_t i = 0; i < run.vcpus.size(); ++i) {
        const auto& v = run.vcpus[i];
        fmt::print("--- {} ({}) ---\n{}", v.name, options.images[i], v.console);
        if (v.exited)
            fmt::print("{}: exited with code {} after {} instructions, {} traps, {} migrations, longest wait {} cycles "
                       "({})\n",
                       v.name, v.exitCode, v.instructions, v.traps, v.migrations, v.maxSchedulingLatency,
                       v.exitCode == 0 ? "PASS" : "FAIL");
        else if (!v.fault.empty())
            fmt::print("{}: stopped: {}\n", v.name, v.fault);
        else
            fmt::print("{}: still running when the budget of {} instructions ran out\n", v.name, options.budget);
        allPassed = allPassed && v.exited && v.exitCode == 0;
    }
    std::uint64_t flushes = 0;
    std::uint64_t flushPages = 0;
    hyp::memory::Cycles longestSegment = 0;
    hyp::memory::Cycles longestDelay = 0;
    for (const auto& p : policies) {
        flushes += p->flushes().records.size();
        flushPages += p->flushes().totalPages();
        longestSegment = std::max(longestSegment, p->flushes().longestSegment());
        longestDelay = std::max(longestDelay, p->flushes().longestUnpreemptedDelay());
    }
    fmt::print("policy {}: {} flushes, {} pages, longest segment {} cycles, longest unpreempted delay {} cycles\n",
               options.policy, flushes, flushPages, longestSegment, longestDelay);
    fmt::print("oracle: {} stale reads, {} clobbers, {} stale-data windows opened; {} speculative fills\n",
               counts.staleReads, counts.clobbers, counts.windowsOpened, run.speculativeFills);
    return allPassed ? 0 : 1;
}

} // namespace

Command addBootCommand(CLI::App& parent)
{
    auto options = std::make_shared<BootOptions>();
    BootOptions& boot = *options;
    CLI::App* bootCommand = parent.add_subcommand(
        "boot", "Boot raw guest images, one VM each, under a policy; print consoles, verdicts, oracle counts");
    bootCommand->add_option("images", boot.images, "Raw AArch64 guest images (.bin)");
    bootCommand->add_option("--board", boot.board,
                            "Boot firmware on a board with the terminal as its console: virt (QEMU's virt machine)");
    bootCommand
        ->add_option("--bios", boot.bios,
                     "The firmware for --board (flash bank 0), e.g. "
                     "/usr/lib/u-boot/qemu_arm64/u-boot.bin")
        ->check(CLI::ExistingFile);
    bootCommand->add_option("--ram-mib", boot.ramMib, "RAM of the --board VM in MiB")->check(CLI::Range(16, 1 << 20));
    bootCommand->add_option("--budget", boot.budget, "Stop after this many guest instructions in total");
    bootCommand->add_option("--system-cache-kib", boot.systemCacheKiB, "System cache size (0: none)");
    bootCommand->add_option("--seed", boot.seed, "Seed for speculation and forced migrations");
    bootCommand->add_option("--speculation-rate", boot.speculationRate,
                            "Speculative line fills per million cycles per core through the hypervisor's map");
    bootCommand
        ->add_option("--migrate-percent", boot.migratePercent,
                     "Chance (0-100) that a vCPU moves to another core at the end of each slice")
        ->check(CLI::Range(0, 100));
    bootCommand->add_option("--policy", boot.policy, "Cache-maintenance policy (native, xen-rfc, xen, kvm, ...)");
    bootCommand->add_option("--slice", boot.slice, "Instructions per scheduling slice")->check(CLI::PositiveNumber);

    return {bootCommand, [options, bootCommand] {
                if (!options->board.empty() || !options->bios.empty()) {
                    if (bootCommand->count("--budget") == 0)
                        options->budget = std::uint64_t{1} << 62; // interactive: until the guest ends it, or Ctrl-C
                    return bootBoard(*options);
                }
                if (options->images.empty())
                    throw std::invalid_argument("vcm boot needs guest images, or --board virt --bios FILE");
                return bootGuests(*options);
            }};
}

} // namespace vcm::hyp::cli

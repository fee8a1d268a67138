// A scenario: the machine, the VMs and their guest programs, the toolstack's load, the scheduler's plan,
// the policy with its knobs, the seed and the run limits — everything `vcm run` needs, read from TOML.
// docs/scenarios.md lists every key.
#pragma once

#include "vcm/hyp/board/console_script.h"
#include "vcm/hyp/machine.h"
#include "vcm/hyp/policy/cache_policy.h"
#include "vcm/hyp/toolstack.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vcm::hyp::scenario {

// Raised for a scenario that cannot be used: the message names the file, the line and what was expected.
class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The toolstack writes a boot payload (the boot-image contract) into the VM before it starts.
struct PayloadLoad {
    ToolstackMode mode = ToolstackMode::UnmapThenHypervisorFlush;
    memory::CoreId core = 2;
    std::uint64_t dataBytes = 60'000;
    std::uint64_t raceSpeculationRate = 0; // fills per million cycles through the foreign map (seed 001)
};

// A host agent's cacheable mapping touches a range before the run, leaving an older copy in that core's caches
// (as the hypervisor's or dom0's map may at any time).
struct Precache {
    std::uint64_t ipa = 0;
    std::uint64_t bytes = 0;
    memory::CoreId core = 0;
};

// The host reads a range of the VM through a cacheable mapping before and after the run (seed 003).
struct HostCheck {
    std::uint64_t ipa = 0;
    std::uint64_t bytes = 0;
    memory::CoreId core = 0;
};

// An image the toolstack writes into a board VM's RAM before it starts (a kernel, an initrd).
struct BoardImage {
    std::string file; // a guest program name (hyp/guests) or a path
    std::uint64_t ipa = 0;
    ToolstackMode mode = ToolstackMode::UnmapThenHypervisorFlush;
    memory::CoreId core = 0; // where the toolstack runs
};

// A VM on QEMU's virt board ([vm.board]): firmware in flash, the device tree at the start of RAM, the
// console scripted. docs/board.md.
struct BoardPlan {
    std::string kind = "virt";
    // Absolute path of the flash image (e.g. Debian's u-boot.bin); empty: the kernel is booted directly, at
    // its IPA with the device tree's in x0, as QEMU's -kernel does (flash bank 0 stays empty).
    std::filesystem::path firmware;
    std::string firmwarePackage;    // the Debian package that installs it, for the error when it is missing
    // What flash bank 1 holds at power-on (a UEFI variable store, e.g. Debian's AAVMF_VARS.fd, or one saved by
    // `vcm run --save-flash1`); empty: the bank reads zeros. Read only: a run never writes it back.
    std::filesystem::path flash1;
    std::string flash1Package;
    std::string kernelPackage;      // likewise for the kernel (scripts/arm64-packages.txt)
    std::optional<BoardImage> kernel;
    std::optional<BoardImage> initrd;
    std::string bootargs;
    // A device tree blob to give the guest instead of the board's own (as QEMU's -dtb); used as it is, so
    // bootargs and the initrd's placement are then the blob's business.
    std::filesystem::path deviceTree;
    std::vector<board::ConsoleStep> console; // typed at the UART as the guest prints
    std::string stopOnConsole;               // the run ends when the guest prints this (empty: never)
};

struct VmPlan {
    VmSpec spec;
    std::string guest;              // guest program name (hyp/guests) or a path to a raw image (empty with a board)
    std::optional<BoardPlan> board;
    std::optional<PayloadLoad> payload;
    std::optional<Precache> precache;
    std::optional<HostCheck> hostCheck;
};

struct Scenario {
    std::filesystem::path file;
    std::string name;
    std::string description;
    MachineConfig machine;
    std::vector<VmPlan> vms;
    std::string policy = "native";
    policy::PolicyKnobs knobs;
    std::uint64_t instructionBudget = 500'000'000;
    std::string text;                   // the file as read, for the trace's run configuration
    std::vector<std::string> overrides; // the --set assignments applied on top of it
};

// Reads and validates a scenario. `overrides` are "dotted.key=value" assignments applied on top of the file
// (values in TOML syntax; a bare word is taken as a string). Unknown keys and wrong types are errors.
Scenario loadScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

} // namespace vcm::hyp::scenario

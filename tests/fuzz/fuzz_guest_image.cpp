// libFuzzer harness: any bytes as a raw AArch64 guest image, booted on the machine (docs/fuzzing.md).
//
// Input: byte 0 chooses EL2's trap handler (0: a pass-through TrapHandler, as the tests' GuestMachine; then each
// cache-maintenance policy of policy::policyNames() in turn, modulo their number), the rest is the image, loaded
// at the guest RAM base of a one-vCPU VM with 16 MiB of RAM (tests/hyp/guest_boot.h's layout) on a machine with
// small caches, and run for kInstructionBudget instructions. Whatever the guest does, the host must not crash
// (docs/architecture.md: "a guest can never crash the host process"): the guest's faults are reported in
// VcpuSummary::fault and nothing may escape Machine::run. An image too large for the RAM is refused by loadImage
// with std::out_of_range, the one documented refusal; libFuzzer's -max_len keeps inputs far below that.
#include "vcm/hyp/guest_abi.h"
#include "vcm/hyp/machine.h"
#include "vcm/hyp/memory/coherence_counts.h"
#include "vcm/hyp/policy/cache_policy.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace vcm::hyp;

// Enough for a guest to set up vectors, tables and caches and to loop; a few ms of the host's time per input.
constexpr std::uint64_t kInstructionBudget = 20'000;

// The default machine's shape (2 x 2 cores, L1, L2 and a system cache) with small caches: building the 4 MiB
// system cache's lines was a third of an input's time, and a guest's set/way loop over small caches ends within
// the budget and reaches the code after it.
MachineConfig smallMachine()
{
    MachineConfig config;
    config.topology.l1 = {4u << 10, 4, memory::ReplacementKind::Lru};
    config.topology.l2 = {32u << 10, 8, memory::ReplacementKind::Lru};
    config.topology.systemCache = {128u << 10, 8, memory::ReplacementKind::Lru};
    return config;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    static const std::vector<std::string> policies = policy::policyNames();
    const std::size_t handlerChoice = data[0] % (policies.size() + 1);
    const std::span<const std::uint8_t> image(data + 1, size - 1);

    Machine machine(smallMachine());
    memory::CoherenceCounts counts;
    machine.memory().setListener(&counts);
    cpu::TrapHandler passThrough;
    std::unique_ptr<policy::CachePolicy> policy;
    if (handlerChoice > 0)
        policy = policy::createPolicy(policies[handlerChoice - 1], machine);
    VmSpec spec;
    spec.name = "d1";
    spec.vcpuCores = {0};
    const std::size_t vm = machine.createVm(spec, policy ? *policy : passThrough);
    machine.loadImage(vm, VCM_GUEST_RAM_BASE, image);
    const MachineRun run = machine.run(kInstructionBudget);
    // A vCPU that neither exited nor ran out of budget stopped for a reason it must name.
    const VcpuSummary& v = run.vcpus.at(0);
    if (!v.exited && !v.systemOff && !v.systemReset && run.instructions < kInstructionBudget && v.fault.empty() &&
        v.poweredOn)
        __builtin_trap();
    return 0;
}

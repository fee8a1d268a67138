// vcm compare-reference: a guest run under vcm, lined up against real KVM running the same image
// (a trace-cmd file of tests/reference/kvm, docs/kvm-reference.md). Both runs become the same sequence of steps,
// read from their trace databases: trapped system registers by name and direction, set/way operations, exits to
// the VMM (the guest port's stores) and flush requests with their reason (set/way, caches on, caches off: KVM's
// kvm_set_way_flush and kvm_toggle_cache when it saw the caches change), and stage-2 faults by IPA page. Timing is
// not compared. vcm's engine takes no stage-2 fault on an instruction fetch (it fetches from its own copy of RAM), so
// the real trace's instruction-fetch faults are set aside, and so are vcm's faults on the blocks those mapped (the
// first data access there, which real KVM found mapped already); both are counted in the report.
#pragma once

#include "vcm/db/database.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vcm::replay {

class ReferenceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The cache geometry QEMU 7.2 gives the CPU model a reference trace was recorded on (its CCSIDR_EL1 values):
// what the guest's set/way loop walks when the kernel shows it the real geometry (6.1).
struct ReferenceCpu {
    std::string name; // QEMU's -cpu name
    std::uint64_t l1Kib = 0;
    std::uint32_t l1Ways = 0;
    std::uint64_t l2Kib = 0;
    std::uint32_t l2Ways = 0;
};
const std::vector<ReferenceCpu>& referenceCpus();
// Throws ReferenceError naming the CPUs known.
const ReferenceCpu& referenceCpu(const std::string& name);

struct ReferenceStep {
    std::uint64_t ts = 0;
    std::string text; // e.g. "trap DC CISW", "exit to the VMM: store 0x40000730 to 0xb000008", "caches on"
    std::optional<std::uint64_t> faultIpa; // a stage-2 fault's IPA
    bool instructionFetch = false;         // ... taken on an instruction fetch
};

// The comparable steps of vCPU 0 of a trace database, in time order.
std::vector<ReferenceStep> referenceSteps(db::Database& database);

struct ReferenceComparison {
    std::vector<ReferenceStep> real;
    std::vector<ReferenceStep> model;
    std::optional<std::size_t> firstDifference; // index into both; empty: equal
    std::size_t realFaults = 0;                 // stage-2 faults in the real trace ...
    std::size_t realInstructionFaults = 0;      // ... of which on instruction fetches (set aside)
    std::size_t modelFaults = 0;                // stage-2 faults under vcm ...
    std::size_t modelFaultsInFetchedBlocks = 0; // ... of which in blocks the real instruction faults mapped (set aside)
    std::uint64_t blockBytes = 4096;            // what one fault maps under the policy compared
    std::string modelConsole;                   // what the guest printed under vcm
};

struct ReferenceOptions {
    std::filesystem::path realTrace;  // trace-cmd file
    std::string guest;                // guest program name
    std::string policy;               // vcm policy, e.g. "kvm-6.1"
    std::vector<std::string> knobs;   // "knob=value"
    std::string cpu;                  // referenceCpus() name
    std::filesystem::path guestDirectory;
};

// Ingests the real trace, runs the guest under vcm with the CPU's geometry (one core, 64 MiB of RAM, as the rig's
// VMM gives it), and compares. Throws ReferenceError (or the analyzer's CtfReadError) for unusable input.
ReferenceComparison compareWithReference(const ReferenceOptions& options);

// The report: "equal: N steps ..." or the first difference with `context` steps of both runs around it.
std::string renderComparison(const ReferenceComparison& comparison, std::size_t context = 5);

} // namespace vcm::replay

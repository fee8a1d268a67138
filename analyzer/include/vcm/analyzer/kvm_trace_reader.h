// Real KVM/arm64's own tracepoints, as `trace-cmd record -e kvm` writes them (a trace.dat file), read through
// libtracecmd and libtraceevent into the same events a vcm run gives a TraceDatabaseBuilder (docs/kvm-reference.md):
//  - kvm_entry / kvm_exit        → vCPU run slices (one vCPU per thread that enters the guest, in order of first
//                                  entry; a slice ends at each exit);
//  - kvm_sys_access              → a trap: DC ISW/CSW/CISW as `setway`, a write to a register HCR_EL2.TVM traps
//                                  as `vm_register`, anything else (the cache ID registers 6.12 fakes) as
//                                  `system_register`, named by its Op0/Op1/CRn/CRm/Op2;
//  - kvm_guest_fault             → a `stage2_fault` at the IPA, unless the vCPU's next KVM event is the kvm_mmio of
//                                  the same access (io_mem_abort): then an `mmio` trap, an exit to the VMM;
//  - kvm_set_way_flush           → a flush request (reason setway) and TVM armed (kvm_set_way_flush sets HCR_TVM);
//  - kvm_toggle_cache (was, now) → a flush request when the caches turned on or off (kvm_toggle_cache calls
//                                  stage2_flush_vm then), SCTLR_EL1's M and C as KVM saw them, TVM disarmed once on.
// Every other event is kept as a raw_event with its fields and counted, never dropped. Times are the trace's
// clock from its first event. There is no coherence oracle in a hardware trace: the database says so (meta
// `oracle` = 'none') rather than showing no stale reads as clean.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace vcm::analyzer {

class TraceDatabaseBuilder;

// Whether `path` is a regular file that starts with trace-cmd's magic ("\x17\x08\x44tracing").
bool isTraceCmdFile(const std::filesystem::path& path);

struct KvmTraceSummary {
    std::uint64_t events = 0;   // records read
    std::uint64_t kvmEvents = 0; // of system kvm
    std::map<std::string, std::uint64_t> unmapped; // events kept as raw_event rows, by name
    std::uint32_t vcpus = 0;
};

// Reads `file` into `builder` (then call builder.finish()). Throws CtfReadError naming the file and what is
// wrong: not a trace-cmd file, one libtracecmd cannot open (truncated, damaged), or one without kvm events.
KvmTraceSummary readKvmTrace(const std::filesystem::path& file, TraceDatabaseBuilder& builder);

} // namespace vcm::analyzer

// The machine at one instant of a replayed run, as `vcm replay --until ... --inspect ADDR` shows it: for
// each address every cached copy of its word (which cache, dirty or clean, value, version), RAM's value and
// version, the coherence oracle's latest version and writer, the VM that owns it and how its vCPUs would
// access it; each vCPU's SCTLR_EL1 and HCR_EL2 bits; and every flush not yet finished with its resume point.
#pragma once

#include "vcm/hyp/machine.h"
#include "vcm/hyp/policy/cache_policy.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vcm::replay {

struct CopyState {
    std::string cache; // "L1 of core 0", "L2 of cluster 1", "system cache"
    bool dirty = false;
    std::uint64_t value = 0;
    std::uint64_t version = 0;
};

struct VcpuAccess {
    std::string vcpu;
    std::string attributes; // how this vCPU's data accesses to the address are treated now
};

struct AddressState {
    std::uint64_t address = 0;     // the 8-byte word (machine physical address)
    std::optional<std::string> vm; // the VM whose RAM holds it
    std::optional<std::uint64_t> ipa;
    std::string stage2;            // "valid RAM page", "invalid (access tracking)", "unmapped", ...
    std::vector<CopyState> copies;
    std::uint64_t ramValue = 0;
    std::uint64_t ramVersion = 0;
    std::uint64_t latestValue = 0;
    std::uint64_t latestVersion = 0;
    std::string latestWriter;      // agent name; empty when never written
    std::vector<VcpuAccess> access;
};

struct VcpuState {
    std::string name;
    std::uint32_t core = 0;
    std::uint64_t sctlr = 0;
    bool m = false, c = false, i = false;
    bool hcrVm = false, hcrSwio = false, hcrTsw = false, hcrTvm = false, hcrDc = false, hcrFwb = false;
};

struct FlushState {
    std::string vm;
    std::size_t flushId = 0;
    std::string vcpu;
    std::string reason;
    std::uint64_t requestedNs = 0;
    std::size_t segments = 0;
    std::uint64_t pages = 0;
    std::optional<std::uint64_t> resumeGfn; // none: not started yet
};

struct MachineState {
    std::uint64_t eventIndex = 0;
    std::string event;                     // the event at that instant, e.g. "vcm:stale_read"
    std::optional<std::uint64_t> vtimeNs;
    std::vector<AddressState> addresses;
    std::vector<VcpuState> vcpus;
    std::vector<FlushState> flushes;
};

// Reads the state from a machine (and its VMs' policies, in VM order; fewer when not all VMs exist yet).
MachineState captureMachineState(hyp::Machine& machine, const std::vector<const hyp::policy::CachePolicy*>& policies,
                                 const std::vector<std::uint64_t>& addresses);

std::string toText(const MachineState& state);
std::string toJson(const MachineState& state);

} // namespace vcm::replay

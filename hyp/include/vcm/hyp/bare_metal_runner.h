// Runs one guest image on one emulated AArch64 core at EL1 with the hypercall ABI of guest_abi.h.
//
// This is the foundation's minimal runner: guest memory is flat Unicorn RAM, nothing goes through the
// cache model yet. It exists so the build, the cross-built guests and the hypercall ABI are proven end
// to end; the full hypervisor (stage 2, traps, scheduler) replaces it as the way guests run.
#pragma once

#include "vcm/hyp/guest_image.h"

#include <cstdint>
#include <string>

namespace vcm::hyp {

struct BareMetalRunOptions {
    std::uint64_t ramBytes = 16u << 20;           // guest RAM mapped at VCM_GUEST_RAM_BASE
    std::uint64_t instructionBudget = 100'000'000; // a runaway guest stops here, not never
};

enum class GuestStop {
    Exited,           // the guest called VCM_HVC_EXIT
    Fault,            // an exception the runner does not handle, or an access outside guest RAM
    BudgetExhausted,  // the instruction budget ran out before the guest exited
};

struct BareMetalRunResult {
    GuestStop stop = GuestStop::Fault;
    std::uint64_t exitCode = 0;   // meaningful when stop == Exited
    std::string console;          // everything the guest wrote with VCM_HVC_CONSOLE_WRITE
    std::string faultDescription; // what went wrong and the guest PC, when stop == Fault
};

// Never throws for anything the guest does: a guest fault is reported in the result.
BareMetalRunResult runBareMetal(const GuestImage& image, const BareMetalRunOptions& options = {});

const char* toString(GuestStop stop);

} // namespace vcm::hyp

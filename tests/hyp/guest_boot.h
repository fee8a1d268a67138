// Test helpers for booting the cross-built guests on a Machine.
#pragma once

#include "vcm/hyp/guest_abi.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/machine.h"
#include "vcm/hyp/memory/coherence_counts.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace vcm::hyp::testing {

// "name = 0x..." in a console (vcm_report.h's format) -> its value; a test failure when it is missing.
inline std::uint64_t reported(const std::string& console, const std::string& name)
{
    const std::string key = name + " = 0x";
    const auto at = console.find(key);
    if (at == std::string::npos) {
        ADD_FAILURE() << "the guest did not report " << name << ":\n" << console;
        return 0;
    }
    return std::stoull(console.substr(at + key.size(), 16), nullptr, 16);
}

inline std::string guestPath(const char* name)
{
    return std::string(VCM_GUEST_DIR) + "/" + name + ".bin";
}

// A machine with a coherence counter attached and a pass-through trap handler.
struct GuestMachine {
    explicit GuestMachine(const MachineConfig& config = {}) : machine(config) { machine.memory().setListener(&counts); }

    // A VM with one vCPU on `core`, RAM at 0x8000'0000 + index * 16 MiB, running `image`.
    std::size_t addGuest(const GuestImage& image, memory::CoreId core, bool pinned = false)
    {
        VmSpec spec;
        spec.name = "d" + std::to_string(vms + 1);
        spec.machineBase = 0x8000'0000 + vms * spec.ramBytes;
        spec.vcpuCores = {core};
        spec.pinned = pinned;
        const std::size_t vm = machine.createVm(spec, passThrough);
        machine.loadImage(vm, VCM_GUEST_RAM_BASE, image.bytes);
        ++vms;
        return vm;
    }
    std::size_t addGuest(const char* name, memory::CoreId core, bool pinned = false)
    {
        return addGuest(GuestImage::load(guestPath(name)), core, pinned);
    }

    Machine machine;
    memory::CoherenceCounts counts;
    cpu::TrapHandler passThrough;
    std::size_t vms = 0;
};

// The first number in the first match of `pattern` (with one capture group) in `text`, or -1.
inline long long capturedNumber(const std::string& text, const char* pattern)
{
    std::smatch m;
    const std::regex re(pattern);
    if (!std::regex_search(text, m, re))
        return -1;
    return std::stoll(m[1]);
}

} // namespace vcm::hyp::testing

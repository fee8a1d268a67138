// The CPU engines' view of a VM's RAM: one host buffer per VM, mapped into every vCPU's engine at the RAM
// window's IPAs. It holds what the guest last stored, and the bytes the model answers a load with just before
// the engine reads them, so the engines' instruction fetches and table walks see what any vCPU of the VM
// wrote (one buffer per vCPU hid one vCPU's page tables and code from the others). Reserved, not committed:
// host memory is spent only on the pages touched.
#pragma once

#include <cstdint>
#include <memory>

namespace vcm::hyp::cpu {

class GuestRamMirror {
public:
    // Throws std::runtime_error when the host cannot reserve `bytes`.
    explicit GuestRamMirror(std::uint64_t bytes);
    ~GuestRamMirror();
    GuestRamMirror(const GuestRamMirror&) = delete;
    GuestRamMirror& operator=(const GuestRamMirror&) = delete;

    std::uint8_t* data() const { return m_bytes; }
    std::uint64_t size() const { return m_size; }

private:
    std::uint8_t* m_bytes = nullptr;
    std::uint64_t m_size = 0;
};

} // namespace vcm::hyp::cpu

// One VM's RAM as its vCPUs' engines see it (guest_ram_mirror.h).
#include "vcm/hyp/cpu/guest_ram_mirror.h"

#include <fmt/core.h>

#include <stdexcept>

#include <sys/mman.h>

namespace vcm::hyp::cpu {

GuestRamMirror::GuestRamMirror(std::uint64_t bytes) : m_size(bytes)
{
    void* mapping = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED)
        throw std::runtime_error(fmt::format("cannot reserve {} bytes of host memory for guest RAM", bytes));
    m_bytes = static_cast<std::uint8_t*>(mapping);
}

GuestRamMirror::~GuestRamMirror()
{
    munmap(m_bytes, m_size);
}

} // namespace vcm::hyp::cpu

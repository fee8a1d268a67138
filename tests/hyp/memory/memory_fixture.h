// Shared test helpers: a memory system with a recording listener, and 8-byte access shorthands.
#pragma once

#include "recording_listener.h"

#include "vcm/hyp/memory/memory_system.h"

#include <cstring>

namespace vcm::hyp::memory::testing {

class MemoryHarness {
public:
    explicit MemoryHarness(const MachineTopology& topology = {}) : memory(topology) { memory.setListener(&listener); }

    AgentId agent(AgentKind kind, const char* name, std::optional<CoreId> core)
    {
        return memory.addAgent({kind, name, core});
    }

    void write64(AgentId who, PhysAddr address, std::uint64_t value, MemoryType type)
    {
        std::uint8_t bytes[8];
        std::memcpy(bytes, &value, 8);
        memory.write(who, address, bytes, type);
    }

    std::uint64_t read64(AgentId who, PhysAddr address, MemoryType type, AccessResult* result = nullptr)
    {
        std::uint8_t bytes[8];
        const AccessResult r = memory.read(who, address, bytes, type);
        if (result != nullptr)
            *result = r;
        std::uint64_t value = 0;
        std::memcpy(&value, bytes, 8);
        return value;
    }

    int dirtyCopies(PhysAddr address) const
    {
        int n = 0;
        for (const LineCopy& copy : memory.copiesOf(address))
            n += copy.dirty ? 1 : 0;
        return n;
    }

    MemorySystem memory;
    RecordingListener listener;
};

constexpr MemoryType kWB = MemoryType::NormalWriteBack;
constexpr MemoryType kNC = MemoryType::NormalNonCacheable;
constexpr MemoryType kDevice = MemoryType::Device;

} // namespace vcm::hyp::memory::testing

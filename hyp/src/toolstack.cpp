// The dom0 domain builder and its historical cache-maintenance modes.
#include "vcm/hyp/toolstack.h"

#include <fmt/core.h>

#include <array>
#include <stdexcept>

namespace vcm::hyp {
namespace {

constexpr std::array<std::pair<ToolstackMode, const char*>, 5> kModeNames{{
    {ToolstackMode::CachedNoMaintenance, "cached-no-maintenance"},
    {ToolstackMode::CachedCleanToPoU, "cached-clean-to-pou"},
    {ToolstackMode::CachedCleanToPoCThenUnmap, "cached-clean-to-poc-then-unmap"},
    {ToolstackMode::UncachedMapping, "uncached-mapping"},
    {ToolstackMode::UnmapThenHypervisorFlush, "unmap-then-hypervisor-flush"},
}};

} // namespace

const char* toString(ToolstackMode mode)
{
    for (const auto& [m, name] : kModeNames)
        if (m == mode)
            return name;
    return "?";
}

ToolstackMode parseToolstackMode(std::string_view name)
{
    std::string known;
    for (const auto& [m, text] : kModeNames) {
        if (name == text)
            return m;
        known += known.empty() ? text : fmt::format(", {}", text);
    }
    throw std::invalid_argument(fmt::format("unknown toolstack mode '{}' (expected one of: {})", name, known));
}

Toolstack::Toolstack(Machine& machine, memory::CoreId core, std::uint64_t raceFillsPerMillionCycles,
                     memory::Cycles raceWindowCycles)
    : m_machine(machine), m_core(core), m_raceRate(raceFillsPerMillionCycles), m_raceWindow(raceWindowCycles),
      m_agent(machine.memory().addAgent({memory::AgentKind::Toolstack, "dom0-builder", core}))
{
}

ToolstackWriteResult Toolstack::writeImage(std::size_t vm, std::uint64_t ipa, std::span<const std::uint8_t> bytes,
                                           ToolstackMode mode)
{
    memory::MemorySystem& memory = m_machine.memory();
    const std::uint64_t lineBytes = memory.topology().lineBytes;
    ToolstackWriteResult result;
    const bool cacheable = mode != ToolstackMode::UncachedMapping;
    const memory::PhysAddr base = m_machine.machineAddress(vm, ipa);
    if (tracer::EventSink* events = m_machine.eventSink())
        events->toolstackWrite(m_machine.nanoseconds(memory.coreTime(m_core)), static_cast<std::uint32_t>(vm), m_core,
                               static_cast<std::uint32_t>(mode), ipa, bytes.size());
    // The foreign mapping: while it exists, the builder's core may allocate its lines speculatively.
    std::optional<memory::MappingId> foreignMap;
    if (cacheable)
        foreignMap = m_machine.speculation().addCacheableMapping(m_core, base, bytes.size(),
                                                                 fmt::format("dom0 foreign map of VM {}", vm));

    const memory::MemoryType type = cacheable ? memory::MemoryType::NormalWriteBack
                                              : memory::MemoryType::NormalNonCacheable;
    for (std::size_t done = 0; done < bytes.size();) {
        const std::uint64_t at = ipa + done;
        const std::size_t length = std::min<std::size_t>(0x1000 - (at & 0xfff), bytes.size() - done);
        memory.write(m_agent, m_machine.machineAddress(vm, at), bytes.subspan(done, length), type);
        done += length;
    }

    auto cleanRange = [&](memory::AgentId who, memory::ByAddressOp op) {
        // Page by page: each page has its own stage-2 translation.
        for (std::size_t done = 0; done < bytes.size();) {
            const std::uint64_t at = ipa + done;
            const std::size_t length = std::min<std::size_t>(0x1000 - (at & 0xfff), bytes.size() - done);
            const memory::PhysAddr pa = m_machine.machineAddress(vm, at);
            result.maintenance += memory.maintainRange(who, op, pa & ~(lineBytes - 1), length + (pa & (lineBytes - 1)));
            done += length;
        }
    };
    switch (mode) {
    case ToolstackMode::CachedNoMaintenance:
    case ToolstackMode::UncachedMapping:
        break;
    case ToolstackMode::CachedCleanToPoU:
        cleanRange(m_agent, memory::ByAddressOp::CleanToPoU);
        break;
    case ToolstackMode::CachedCleanToPoCThenUnmap:
        // libxc's flush after loading images used clean+invalidate to the PoC (DC CIVAC on arm64): nothing
        // is left in the caches, except what speculation refills while the mapping still exists.
        cleanRange(m_agent, memory::ByAddressOp::CleanInvalidateToPoC);
        // The race of seed 001: the mapping is still there after the clean.
        result.speculativeFills = m_machine.speculation().stepMapping(*foreignMap, m_core, m_raceWindow, m_raceRate);
        memory.advanceCore(m_core, m_raceWindow);
        break;
    case ToolstackMode::UnmapThenHypervisorFlush:
        break; // after the unmap, below
    }
    if (foreignMap)
        m_machine.speculation().removeCacheableMapping(*foreignMap);
    if (mode == ToolstackMode::UnmapThenHypervisorFlush)
        cleanRange(m_machine.hypervisorAgent(m_core), memory::ByAddressOp::CleanInvalidateToPoC);
    return result;
}

void Toolstack::read(std::size_t vm, std::uint64_t ipa, std::span<std::uint8_t> out, memory::MemoryType type)
{
    memory::MemorySystem& memory = m_machine.memory();
    for (std::size_t done = 0; done < out.size();) {
        const std::uint64_t at = ipa + done;
        const std::size_t length = std::min<std::size_t>(0x1000 - (at & 0xfff), out.size() - done);
        memory.read(m_agent, m_machine.machineAddress(vm, at), out.subspan(done, length), type);
        done += length;
    }
}

} // namespace vcm::hyp

// Names of the memory model's vocabulary, as reports and traces print them.
#include "vcm/hyp/memory/maintenance.h"
#include "vcm/hyp/memory/memory_types.h"

#include <fmt/core.h>

namespace vcm::hyp::memory {

const char* toString(MemoryType type)
{
    switch (type) {
    case MemoryType::NormalWriteBack:
        return "Normal-WB";
    case MemoryType::NormalWriteThrough:
        return "Normal-WT";
    case MemoryType::NormalNonCacheable:
        return "Normal-NC";
    case MemoryType::Device:
        return "Device";
    }
    return "?";
}

const char* toString(AgentKind kind)
{
    switch (kind) {
    case AgentKind::Vcpu:
        return "vcpu";
    case AgentKind::Hypervisor:
        return "hypervisor";
    case AgentKind::Toolstack:
        return "toolstack";
    case AgentKind::Device:
        return "device";
    }
    return "?";
}

const char* toString(CacheLevel level)
{
    switch (level) {
    case CacheLevel::L1:
        return "L1";
    case CacheLevel::L2:
        return "L2";
    case CacheLevel::SystemCache:
        return "system cache";
    }
    return "?";
}

std::string describe(const CacheLocation& location)
{
    switch (location.level) {
    case CacheLevel::L1:
        return fmt::format("L1 of core {}", location.instance);
    case CacheLevel::L2:
        return fmt::format("L2 of cluster {}", location.instance);
    case CacheLevel::SystemCache:
        return "system cache";
    }
    return "?";
}

std::string describe(const ValueSource& source)
{
    return source.fromRam ? std::string("RAM") : describe(source.cache);
}

const char* toString(ByAddressOp op)
{
    switch (op) {
    case ByAddressOp::CleanToPoC:
        return "DC CVAC";
    case ByAddressOp::CleanInvalidateToPoC:
        return "DC CIVAC";
    case ByAddressOp::InvalidateToPoC:
        return "DC IVAC";
    case ByAddressOp::CleanToPoU:
        return "DC CVAU";
    case ByAddressOp::ZeroBlock:
        return "DC ZVA";
    }
    return "?";
}

const char* toString(SetWayOp op)
{
    switch (op) {
    case SetWayOp::Invalidate:
        return "DC ISW";
    case SetWayOp::Clean:
        return "DC CSW";
    case SetWayOp::CleanInvalidate:
        return "DC CISW";
    }
    return "?";
}

MaintenanceResult& MaintenanceResult::operator+=(const MaintenanceResult& other)
{
    linesIssued += other.linesIssued;
    linesCleaned += other.linesCleaned;
    linesInvalidated += other.linesInvalidated;
    dirtyDiscarded += other.dirtyDiscarded;
    outOfRange = outOfRange || other.outOfRange;
    cost += other.cost;
    return *this;
}

} // namespace vcm::hyp::memory

#include "vcm/analyzer/trace_labels.h"

#include <array>

namespace vcm::analyzer {
namespace {

template <std::size_t N>
const char* pick(const std::array<const char*, N>& labels, std::uint32_t value)
{
    return value < N ? labels[value] : "unknown";
}

} // namespace

const char* label(tracer::TrapKind kind)
{
    return pick(std::array{"setway", "vm_register", "stage2_fault"}, static_cast<std::uint32_t>(kind));
}

const char* label(tracer::FlushReason reason)
{
    return pick(std::array{"setway", "caches_on", "caches_off", "fault"}, static_cast<std::uint32_t>(reason));
}

const char* label(tracer::VcpuStopReason reason)
{
    return pick(std::array{"slice_end", "yield", "exit", "fault", "hypervisor", "preempted"},
                static_cast<std::uint32_t>(reason));
}

const char* label(tracer::ValueSourceKind source)
{
    return pick(std::array{"ram", "l1", "l2", "system_cache", "nowhere"}, static_cast<std::uint32_t>(source));
}

const char* label(tracer::AgentRole role)
{
    return pick(std::array{"vcpu", "hypervisor", "toolstack", "device"}, static_cast<std::uint32_t>(role));
}

const char* label(tracer::MaintenanceOp op)
{
    return pick(std::array{"dc_cvac", "dc_civac", "dc_ivac", "dc_cvau", "dc_zva", "dc_isw", "dc_csw", "dc_cisw"},
                static_cast<std::uint32_t>(op));
}

const char* toolstackModeLabel(std::uint32_t mode)
{
    return pick(std::array{"cached_no_maintenance", "cached_clean_to_pou", "cached_clean_to_poc_then_unmap",
                           "uncached_mapping", "unmap_then_hypervisor_flush"},
                mode);
}

const char* systemRegisterName(std::uint32_t value)
{
    return pick(std::array{"SCTLR_EL1", "TTBR0_EL1", "TTBR1_EL1", "TCR_EL1", "MAIR_EL1", "AMAIR_EL1",
                           "CONTEXTIDR_EL1", "ESR_EL1", "FAR_EL1", "AFSR0_EL1", "AFSR1_EL1", "CLIDR_EL1",
                           "CCSIDR_EL1", "CSSELR_EL1", "CTR_EL0", "CNTFRQ_EL0", "CNTVCT_EL0"},
                value);
}

std::string trapWhat(tracer::TrapKind kind, std::uint32_t detail)
{
    switch (kind) {
    case tracer::TrapKind::SetWay:
        return pick(std::array{"DC ISW", "DC CSW", "DC CISW"}, detail);
    case tracer::TrapKind::VmRegister:
        return systemRegisterName(detail);
    case tracer::TrapKind::Stage2Fault:
        return "stage-2 fault";
    }
    return "unknown";
}

} // namespace vcm::analyzer

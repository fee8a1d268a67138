#include "vcm/analyzer/trace_labels.h"

#include <fmt/core.h>

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
    return pick(std::array{"setway", "vm_register", "stage2_fault", "smccc", "mmio", "undefined"},
                static_cast<std::uint32_t>(kind));
}

const char* label(tracer::FlushReason reason)
{
    return pick(std::array{"setway", "caches_on", "caches_off", "fault"}, static_cast<std::uint32_t>(reason));
}

const char* label(tracer::VcpuStopReason reason)
{
    return pick(std::array{"slice_end", "yield", "exit", "fault", "hypervisor", "preempted", "powered_off", "wfi"},
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
                           "CCSIDR_EL1", "CSSELR_EL1", "CTR_EL0", "CNTFRQ_EL0", "CNTVCT_EL0", "CNTPCT_EL0",
                           "CNTV_CTL_EL0", "CNTV_CVAL_EL0", "CNTV_TVAL_EL0", "CNTP_CTL_EL0", "CNTP_CVAL_EL0",
                           "CNTP_TVAL_EL0", "MPIDR_EL1", "DCZID_EL0"},
                value);
}

std::string smcccFunctionName(std::uint32_t functionId)
{
    // PSCI 1.0 (Arm DEN0022), the SMC32 ids and the SMC64 forms of CPU_SUSPEND, CPU_ON and AFFINITY_INFO.
    switch (functionId) {
    case 0x84000000:
        return "PSCI_VERSION";
    case 0x84000001:
    case 0xc4000001:
        return "PSCI CPU_SUSPEND";
    case 0x84000002:
        return "PSCI CPU_OFF";
    case 0x84000003:
    case 0xc4000003:
        return "PSCI CPU_ON";
    case 0x84000004:
    case 0xc4000004:
        return "PSCI AFFINITY_INFO";
    case 0x84000008:
        return "PSCI SYSTEM_OFF";
    case 0x84000009:
        return "PSCI SYSTEM_RESET";
    case 0x8400000a:
        return "PSCI_FEATURES";
    default:
        return fmt::format("SMCCC {:#010x}", functionId);
    }
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
    case tracer::TrapKind::Smccc:
        return smcccFunctionName(detail);
    case tracer::TrapKind::Undefined:
        return fmt::format("UNDEF for {}", pick(std::array{"DC ISW", "DC CSW", "DC CISW"}, detail));
    case tracer::TrapKind::Mmio:
        return fmt::format("{} {} byte{} (region {})", (detail & 0x80) != 0 ? "MMIO store" : "MMIO load",
                           detail & 0xf, (detail & 0xf) == 1 ? "" : "s", detail >> 8);
    }
    return "unknown";
}

} // namespace vcm::analyzer

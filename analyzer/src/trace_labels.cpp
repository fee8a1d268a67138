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
    return pick(std::array{"setway", "vm_register", "stage2_fault", "smccc", "mmio", "undefined", "system_register"},
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

namespace {

// cpu::SystemRegister's order, with each register's encoding (Op0, Op1, CRn, CRm, Op2; Arm ARM D23).
struct RegisterEncoding {
    const char* name;
    unsigned op0, op1, crn, crm, op2;
};
constexpr std::array kSystemRegisters{
    RegisterEncoding{"SCTLR_EL1", 3, 0, 1, 0, 0},      RegisterEncoding{"TTBR0_EL1", 3, 0, 2, 0, 0},
    RegisterEncoding{"TTBR1_EL1", 3, 0, 2, 0, 1},      RegisterEncoding{"TCR_EL1", 3, 0, 2, 0, 2},
    RegisterEncoding{"MAIR_EL1", 3, 0, 10, 2, 0},      RegisterEncoding{"AMAIR_EL1", 3, 0, 10, 3, 0},
    RegisterEncoding{"CONTEXTIDR_EL1", 3, 0, 13, 0, 1}, RegisterEncoding{"ESR_EL1", 3, 0, 5, 2, 0},
    RegisterEncoding{"FAR_EL1", 3, 0, 6, 0, 0},        RegisterEncoding{"AFSR0_EL1", 3, 0, 5, 1, 0},
    RegisterEncoding{"AFSR1_EL1", 3, 0, 5, 1, 1},      RegisterEncoding{"CLIDR_EL1", 3, 1, 0, 0, 1},
    RegisterEncoding{"CCSIDR_EL1", 3, 1, 0, 0, 0},     RegisterEncoding{"CSSELR_EL1", 3, 2, 0, 0, 0},
    RegisterEncoding{"CTR_EL0", 3, 3, 0, 0, 1},        RegisterEncoding{"CNTFRQ_EL0", 3, 3, 14, 0, 0},
    RegisterEncoding{"CNTVCT_EL0", 3, 3, 14, 0, 2},    RegisterEncoding{"CNTPCT_EL0", 3, 3, 14, 0, 1},
    RegisterEncoding{"CNTV_CTL_EL0", 3, 3, 14, 3, 1},  RegisterEncoding{"CNTV_CVAL_EL0", 3, 3, 14, 3, 2},
    RegisterEncoding{"CNTV_TVAL_EL0", 3, 3, 14, 3, 0}, RegisterEncoding{"CNTP_CTL_EL0", 3, 3, 14, 2, 1},
    RegisterEncoding{"CNTP_CVAL_EL0", 3, 3, 14, 2, 2}, RegisterEncoding{"CNTP_TVAL_EL0", 3, 3, 14, 2, 0},
    RegisterEncoding{"MPIDR_EL1", 3, 0, 0, 0, 5},      RegisterEncoding{"DCZID_EL0", 3, 3, 0, 0, 7},
};
// HCR_EL2.TVM traps writes to the first of them, SCTLR_EL1 to AFSR1_EL1 (cpu::trappedByTvm, Arm ARM D19.2.48).
constexpr std::size_t kTrappedByTvm = 11;
// The set/way operations in the order of a setway trap's detail (memory::SetWayOp).
constexpr std::array kSetWayOperations{
    RegisterEncoding{"DC ISW", 1, 0, 7, 6, 2},
    RegisterEncoding{"DC CSW", 1, 0, 7, 10, 2},
    RegisterEncoding{"DC CISW", 1, 0, 7, 14, 2},
};
// Registers a trace may name that cpu::SystemRegister does not hold.
constexpr std::array kOtherEncodings{
    RegisterEncoding{"OSLAR_EL1", 2, 0, 1, 0, 4},
    RegisterEncoding{"OSLSR_EL1", 2, 0, 1, 1, 4},  RegisterEncoding{"OSDLR_EL1", 2, 0, 1, 3, 4},
    RegisterEncoding{"MDSCR_EL1", 2, 0, 0, 2, 2},  RegisterEncoding{"ACTLR_EL1", 3, 0, 1, 0, 1},
    RegisterEncoding{"CPACR_EL1", 3, 0, 1, 0, 2},  RegisterEncoding{"VBAR_EL1", 3, 0, 12, 0, 0},
    RegisterEncoding{"PMUSERENR_EL0", 3, 3, 9, 14, 0},
};

constexpr std::uint32_t kIssDirection = 1;

template <std::size_t N>
const RegisterEncoding* findEncoding(const std::array<RegisterEncoding, N>& table, std::uint32_t iss)
{
    for (const RegisterEncoding& r : table)
        if (tracer::systemRegisterIss(r.op0, r.op1, r.crn, r.crm, r.op2, false) == (iss & ~kIssDirection))
            return &r;
    return nullptr;
}

} // namespace

const char* systemRegisterName(std::uint32_t value)
{
    return value < kSystemRegisters.size() ? kSystemRegisters[value].name : "unknown";
}

std::optional<std::uint32_t> systemRegisterValueAt(std::uint32_t iss)
{
    if (const RegisterEncoding* r = findEncoding(kSystemRegisters, iss))
        return static_cast<std::uint32_t>(r - kSystemRegisters.data());
    return std::nullopt;
}

std::optional<std::uint32_t> setWayOperationAt(std::uint32_t iss)
{
    if (const RegisterEncoding* r = findEncoding(kSetWayOperations, iss))
        return static_cast<std::uint32_t>(r - kSetWayOperations.data());
    return std::nullopt;
}

bool trappedByTvmAt(std::uint32_t iss)
{
    const std::optional<std::uint32_t> value = systemRegisterValueAt(iss);
    return value && *value < kTrappedByTvm;
}

std::string systemRegisterAt(std::uint32_t iss)
{
    if (const RegisterEncoding* r = findEncoding(kSystemRegisters, iss))
        return r->name;
    if (const RegisterEncoding* r = findEncoding(kSetWayOperations, iss))
        return r->name;
    if (const RegisterEncoding* r = findEncoding(kOtherEncodings, iss))
        return r->name;
    return fmt::format("S{}_{}_C{}_C{}_{}", (iss >> 20) & 3, (iss >> 14) & 7, (iss >> 10) & 15, (iss >> 1) & 15,
                       (iss >> 17) & 7);
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
        return detail < kSetWayOperations.size() ? kSetWayOperations[detail].name : "unknown";
    case tracer::TrapKind::VmRegister:
        return systemRegisterName(detail);
    case tracer::TrapKind::Stage2Fault:
        return "stage-2 fault";
    case tracer::TrapKind::Smccc:
        return smcccFunctionName(detail);
    case tracer::TrapKind::Undefined:
        return fmt::format("UNDEF for {}", trapWhat(tracer::TrapKind::SetWay, detail));
    case tracer::TrapKind::SystemRegister:
        return fmt::format("{} {}", systemRegisterAt(detail), (detail & kIssDirection) != 0 ? "read" : "write");
    case tracer::TrapKind::Mmio:
        return fmt::format("{} {} byte{} (region {})", (detail & 0x80) != 0 ? "MMIO store" : "MMIO load",
                           detail & 0xf, (detail & 0xf) == 1 ? "" : "s", detail >> 8);
    }
    return "unknown";
}

} // namespace vcm::analyzer

// PSCI 1.0 over SMCCC: the calls a virt-board guest (U-Boot's poweroff/reset, Linux's SMP bring-up) makes.
#include "vcm/hyp/psci.h"

namespace vcm::hyp {
namespace {

cpu::SmcccResult returning(std::int64_t value)
{
    cpu::SmcccResult r;
    r.x[0] = static_cast<std::uint64_t>(value);
    return r;
}

bool isSmc32(std::uint32_t functionId)
{
    return (functionId & (1u << 30)) == 0; // bit 30: the SMC64/HVC64 convention (DEN0028 2.5)
}

// The affinity fields of an MPIDR value (Aff3 and Aff2..Aff0), as PSCI compares them (DEN0022D 5.1.4).
std::uint64_t affinity(std::uint64_t mpidr)
{
    return mpidr & 0xff'00ff'ffffull;
}

} // namespace

cpu::SmcccResult Psci::call(cpu::Vcpu& caller, const cpu::SmcccCall& call)
{
    const std::uint32_t id = call.functionId;
    // SMC32 calls carry 32-bit arguments; the upper halves of the registers are ignored (DEN0028 2.6).
    auto arg = [&](std::size_t i) { return isSmc32(id) ? call.args[i] & 0xffff'ffffu : call.args[i]; };
    switch (id) {
    case psci::kVersion:
        return returning(0x0001'0000); // 1.0
    case psci::kSmcccVersion:
        return returning(0x0001'0001); // SMCCC 1.1: x0..x3 results, x4..x17 preserved
    case psci::kFeatures: {
        const auto queried = static_cast<std::uint32_t>(arg(0));
        switch (queried) {
        case psci::kVersion:
        case psci::kCpuOff:
        case psci::kCpuOn32:
        case psci::kCpuOn64:
        case psci::kAffinityInfo32:
        case psci::kAffinityInfo64:
        case psci::kSystemOff:
        case psci::kSystemReset:
        case psci::kFeatures:
        case psci::kSmcccVersion:
            return returning(psci::kSuccess);
        default:
            return returning(psci::kNotSupported);
        }
    }
    case psci::kCpuOn32:
    case psci::kCpuOn64: {
        cpu::Vcpu* target = m_power.vcpuByMpidr(caller, affinity(arg(0)));
        if (target == nullptr)
            return returning(psci::kInvalidParameters);
        if (!target->powerOn(arg(1), arg(2)))
            return returning(psci::kAlreadyOn);
        m_power.schedule(*target, caller);
        return returning(psci::kSuccess);
    }
    case psci::kCpuOff: {
        cpu::SmcccResult r = returning(psci::kSuccess); // never seen by the caller: it is off
        r.action = cpu::SmcccAction::CpuOff;
        return r;
    }
    case psci::kAffinityInfo32:
    case psci::kAffinityInfo64: {
        if (arg(1) != 0) // only the lowest affinity level, 0, names one CPU
            return returning(psci::kInvalidParameters);
        const cpu::Vcpu* target = m_power.vcpuByMpidr(caller, affinity(arg(0)));
        if (target == nullptr)
            return returning(psci::kInvalidParameters);
        return returning(target->poweredOn() && !target->exited() ? psci::kAffinityOn : psci::kAffinityOff);
    }
    case psci::kSystemOff: {
        cpu::SmcccResult r = returning(psci::kSuccess);
        r.action = cpu::SmcccAction::PowerOff;
        return r;
    }
    case psci::kSystemReset: {
        cpu::SmcccResult r = returning(psci::kSuccess);
        r.action = cpu::SmcccAction::Reset;
        return r;
    }
    default:
        return returning(psci::kNotSupported);
    }
}

} // namespace vcm::hyp

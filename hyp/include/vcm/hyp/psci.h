// PSCI 1.0 (Arm DEN0022D), served by EL2 to a VM's vCPUs over SMCCC (HVC #0 or SMC #0), as KVM's
// kvm_psci_call and Xen's do_vpsci_0_2_call do: VERSION, FEATURES, CPU_ON, CPU_OFF, AFFINITY_INFO,
// SYSTEM_OFF, SYSTEM_RESET, and SMCCC_VERSION (1.1). Anything else answers NOT_SUPPORTED (-1).
#pragma once

#include "vcm/hyp/cpu/vcpu.h"

#include <cstdint>

namespace vcm::hyp {

namespace psci {
// Function ids (DEN0022D table 5.1). CPU_ON and AFFINITY_INFO also come in SMC32 form (0x8400000x), with
// 32-bit arguments.
constexpr std::uint32_t kVersion = 0x84000000;
constexpr std::uint32_t kCpuSuspend32 = 0x84000001;
constexpr std::uint32_t kCpuSuspend64 = 0xc4000001;
constexpr std::uint32_t kCpuOff = 0x84000002;
constexpr std::uint32_t kCpuOn32 = 0x84000003;
constexpr std::uint32_t kCpuOn64 = 0xc4000003;
constexpr std::uint32_t kAffinityInfo32 = 0x84000004;
constexpr std::uint32_t kAffinityInfo64 = 0xc4000004;
constexpr std::uint32_t kSystemOff = 0x84000008;
constexpr std::uint32_t kSystemReset = 0x84000009;
constexpr std::uint32_t kFeatures = 0x8400000a;
constexpr std::uint32_t kSmcccVersion = 0x80000000; // SMCCC itself (DEN0028, owner 0)

// Return codes (DEN0022D table 5.2).
constexpr std::int64_t kSuccess = 0;
constexpr std::int64_t kNotSupported = -1;
constexpr std::int64_t kInvalidParameters = -2;
constexpr std::int64_t kAlreadyOn = -4;
constexpr std::int64_t kAffinityOn = 0;
constexpr std::int64_t kAffinityOff = 1;
} // namespace psci

// What PSCI needs from the machine: finding a vCPU of the caller's VM by MPIDR, and running one CPU_ON started.
class PsciPowerControl {
public:
    virtual ~PsciPowerControl() = default;
    virtual cpu::Vcpu* vcpuByMpidr(const cpu::Vcpu& caller, std::uint64_t mpidr) = 0;
    virtual void schedule(cpu::Vcpu& started, const cpu::Vcpu& caller) = 0;
};

class Psci final : public cpu::SmcccService {
public:
    explicit Psci(PsciPowerControl& power) : m_power(power) {}
    cpu::SmcccResult call(cpu::Vcpu& caller, const cpu::SmcccCall& call) override;

private:
    PsciPowerControl& m_power;
};

} // namespace vcm::hyp

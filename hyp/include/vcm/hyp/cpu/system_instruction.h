// Decoding of the AArch64 system instructions a vCPU executes (MRS, MSR, SYS) into what the hypervisor
// model cares about: the EL1 VM-control registers TVM traps, the cache ID registers, and DC/IC/TLBI.
// Encodings from the Arm ARM, C5.2 (system register encodings) and C5.3 (DC, IC, TLBI).
#pragma once

#include <cstdint>
#include <optional>

namespace vcm::hyp::cpu {

struct SystemEncoding {
    std::uint32_t op0 = 0;
    std::uint32_t op1 = 0;
    std::uint32_t crn = 0;
    std::uint32_t crm = 0;
    std::uint32_t op2 = 0;
};

// Registers with a behaviour in the model. Writes to the first group trap to EL2 when HCR_EL2.TVM is set
// (D24.2.x HCR_EL2.TVM).
enum class SystemRegister : std::uint8_t {
    SctlrEl1,
    Ttbr0El1,
    Ttbr1El1,
    TcrEl1,
    MairEl1,
    AmairEl1,
    ContextidrEl1,
    EsrEl1,
    FarEl1,
    Afsr0El1,
    Afsr1El1,
    // Cache identification: answered from the modelled geometry.
    ClidrEl1,
    CcsidrEl1,
    CsselrEl1,
    CtrEl0,
    // Generic timer (Arm ARM D11): both counters count modelled time (CNTVOFF_EL2 = 0), so guests measure
    // what the model charges and never see the host's clock; the timers hold their values (GenericTimer).
    CntfrqEl0,
    CntvctEl0,
    CntpctEl0,
    CntvCtlEl0,
    CntvCvalEl0,
    CntvTvalEl0,
    CntpCtlEl0,
    CntpCvalEl0,
    CntpTvalEl0,
    // Identification: each vCPU's own affinity (VMPIDR_EL2 as KVM's reset_mpidr sets it), which PSCI
    // CPU_ON and AFFINITY_INFO name vCPUs by.
    MpidrEl1,
    // DC ZVA's block size, answered from the modelled line size (the model zeroes one line per DC ZVA).
    DczidEl0,
};

bool trappedByTvm(SystemRegister reg);
// The registers HCR_EL2.TID2 traps (Arm ARM D19.2.48): CTR_EL0, CCSIDR_EL1, CLIDR_EL1 and CSSELR_EL1.
bool trappedByTid2(SystemRegister reg);
const char* toString(SystemRegister reg);
std::optional<SystemRegister> decodeRegister(const SystemEncoding& encoding);

enum class SystemOperation : std::uint8_t {
    DcIvac,
    DcIsw,
    DcCsw,
    DcCisw,
    DcZva,
    DcCvac,
    DcCvau,
    DcCvap, // clean to the point of persistence: the model has no PoP beyond the PoC, so it is a CVAC
    DcCivac,
    IcIalluis,
    IcIallu,
    IcIvau,
    Tlbi, // any TLB invalidate (CRn 8): the model's software TLB is flushed whole
};

const char* toString(SystemOperation op);
std::optional<SystemOperation> decodeOperation(const SystemEncoding& encoding);

} // namespace vcm::hyp::cpu

#include "vcm/hyp/cpu/system_instruction.h"

namespace vcm::hyp::cpu {
namespace {

constexpr bool is(const SystemEncoding& e, std::uint32_t op0, std::uint32_t op1, std::uint32_t crn, std::uint32_t crm,
                  std::uint32_t op2)
{
    return e.op0 == op0 && e.op1 == op1 && e.crn == crn && e.crm == crm && e.op2 == op2;
}

} // namespace

bool trappedByTvm(SystemRegister reg)
{
    return reg <= SystemRegister::Afsr1El1;
}

bool trappedByTid2(SystemRegister reg)
{
    return reg == SystemRegister::CtrEl0 || reg == SystemRegister::CcsidrEl1 || reg == SystemRegister::ClidrEl1 ||
           reg == SystemRegister::CsselrEl1;
}

const char* toString(SystemRegister reg)
{
    switch (reg) {
    case SystemRegister::SctlrEl1:
        return "SCTLR_EL1";
    case SystemRegister::Ttbr0El1:
        return "TTBR0_EL1";
    case SystemRegister::Ttbr1El1:
        return "TTBR1_EL1";
    case SystemRegister::TcrEl1:
        return "TCR_EL1";
    case SystemRegister::MairEl1:
        return "MAIR_EL1";
    case SystemRegister::AmairEl1:
        return "AMAIR_EL1";
    case SystemRegister::ContextidrEl1:
        return "CONTEXTIDR_EL1";
    case SystemRegister::EsrEl1:
        return "ESR_EL1";
    case SystemRegister::FarEl1:
        return "FAR_EL1";
    case SystemRegister::Afsr0El1:
        return "AFSR0_EL1";
    case SystemRegister::Afsr1El1:
        return "AFSR1_EL1";
    case SystemRegister::ClidrEl1:
        return "CLIDR_EL1";
    case SystemRegister::CcsidrEl1:
        return "CCSIDR_EL1";
    case SystemRegister::CsselrEl1:
        return "CSSELR_EL1";
    case SystemRegister::CtrEl0:
        return "CTR_EL0";
    case SystemRegister::DczidEl0:
        return "DCZID_EL0";
    case SystemRegister::CntfrqEl0:
        return "CNTFRQ_EL0";
    case SystemRegister::CntvctEl0:
        return "CNTVCT_EL0";
    case SystemRegister::CntpctEl0:
        return "CNTPCT_EL0";
    case SystemRegister::CntvCtlEl0:
        return "CNTV_CTL_EL0";
    case SystemRegister::CntvCvalEl0:
        return "CNTV_CVAL_EL0";
    case SystemRegister::CntvTvalEl0:
        return "CNTV_TVAL_EL0";
    case SystemRegister::CntpCtlEl0:
        return "CNTP_CTL_EL0";
    case SystemRegister::CntpCvalEl0:
        return "CNTP_CVAL_EL0";
    case SystemRegister::CntpTvalEl0:
        return "CNTP_TVAL_EL0";
    case SystemRegister::MpidrEl1:
        return "MPIDR_EL1";
    }
    return "?";
}

std::optional<SystemRegister> decodeRegister(const SystemEncoding& e)
{
    if (is(e, 3, 0, 1, 0, 0))
        return SystemRegister::SctlrEl1;
    if (is(e, 3, 0, 2, 0, 0))
        return SystemRegister::Ttbr0El1;
    if (is(e, 3, 0, 2, 0, 1))
        return SystemRegister::Ttbr1El1;
    if (is(e, 3, 0, 2, 0, 2))
        return SystemRegister::TcrEl1;
    if (is(e, 3, 0, 10, 2, 0))
        return SystemRegister::MairEl1;
    if (is(e, 3, 0, 10, 3, 0))
        return SystemRegister::AmairEl1;
    if (is(e, 3, 0, 13, 0, 1))
        return SystemRegister::ContextidrEl1;
    if (is(e, 3, 0, 5, 2, 0))
        return SystemRegister::EsrEl1;
    if (is(e, 3, 0, 6, 0, 0))
        return SystemRegister::FarEl1;
    if (is(e, 3, 0, 5, 1, 0))
        return SystemRegister::Afsr0El1;
    if (is(e, 3, 0, 5, 1, 1))
        return SystemRegister::Afsr1El1;
    if (is(e, 3, 1, 0, 0, 1))
        return SystemRegister::ClidrEl1;
    if (is(e, 3, 1, 0, 0, 0))
        return SystemRegister::CcsidrEl1;
    if (is(e, 3, 2, 0, 0, 0))
        return SystemRegister::CsselrEl1;
    if (is(e, 3, 3, 0, 0, 1))
        return SystemRegister::CtrEl0;
    if (is(e, 3, 3, 0, 0, 7))
        return SystemRegister::DczidEl0;
    if (is(e, 3, 3, 14, 0, 0))
        return SystemRegister::CntfrqEl0;
    if (is(e, 3, 3, 14, 0, 2))
        return SystemRegister::CntvctEl0;
    if (is(e, 3, 3, 14, 0, 1))
        return SystemRegister::CntpctEl0;
    if (is(e, 3, 3, 14, 3, 1))
        return SystemRegister::CntvCtlEl0;
    if (is(e, 3, 3, 14, 3, 2))
        return SystemRegister::CntvCvalEl0;
    if (is(e, 3, 3, 14, 3, 0))
        return SystemRegister::CntvTvalEl0;
    if (is(e, 3, 3, 14, 2, 1))
        return SystemRegister::CntpCtlEl0;
    if (is(e, 3, 3, 14, 2, 2))
        return SystemRegister::CntpCvalEl0;
    if (is(e, 3, 3, 14, 2, 0))
        return SystemRegister::CntpTvalEl0;
    if (is(e, 3, 0, 0, 0, 5))
        return SystemRegister::MpidrEl1;
    return std::nullopt;
}

const char* toString(SystemOperation op)
{
    switch (op) {
    case SystemOperation::DcIvac:
        return "DC IVAC";
    case SystemOperation::DcIsw:
        return "DC ISW";
    case SystemOperation::DcCsw:
        return "DC CSW";
    case SystemOperation::DcCisw:
        return "DC CISW";
    case SystemOperation::DcZva:
        return "DC ZVA";
    case SystemOperation::DcCvac:
        return "DC CVAC";
    case SystemOperation::DcCvau:
        return "DC CVAU";
    case SystemOperation::DcCvap:
        return "DC CVAP";
    case SystemOperation::DcCivac:
        return "DC CIVAC";
    case SystemOperation::IcIalluis:
        return "IC IALLUIS";
    case SystemOperation::IcIallu:
        return "IC IALLU";
    case SystemOperation::IcIvau:
        return "IC IVAU";
    case SystemOperation::Tlbi:
        return "TLBI";
    }
    return "?";
}

std::optional<SystemOperation> decodeOperation(const SystemEncoding& e)
{
    if (e.op0 != 1)
        return std::nullopt;
    if (e.crn == 8)
        return SystemOperation::Tlbi;
    if (e.crn != 7)
        return std::nullopt;
    if (is(e, 1, 0, 7, 6, 1))
        return SystemOperation::DcIvac;
    if (is(e, 1, 0, 7, 6, 2))
        return SystemOperation::DcIsw;
    if (is(e, 1, 0, 7, 10, 2))
        return SystemOperation::DcCsw;
    if (is(e, 1, 0, 7, 14, 2))
        return SystemOperation::DcCisw;
    if (is(e, 1, 3, 7, 4, 1))
        return SystemOperation::DcZva;
    if (is(e, 1, 3, 7, 10, 1))
        return SystemOperation::DcCvac;
    if (is(e, 1, 3, 7, 11, 1))
        return SystemOperation::DcCvau;
    if (is(e, 1, 3, 7, 12, 1))
        return SystemOperation::DcCvap;
    if (is(e, 1, 3, 7, 14, 1))
        return SystemOperation::DcCivac;
    if (is(e, 1, 0, 7, 1, 0))
        return SystemOperation::IcIalluis;
    if (is(e, 1, 0, 7, 5, 0))
        return SystemOperation::IcIallu;
    if (is(e, 1, 3, 7, 5, 1))
        return SystemOperation::IcIvau;
    return std::nullopt; // AT and friends (CRn 7, other CRm): not modelled
}

} // namespace vcm::hyp::cpu

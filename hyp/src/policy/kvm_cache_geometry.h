// The cache geometry KVM/arm64 shows a guest since Linux 6.3 (7af0c2534f4c "KVM: arm64: Normalize cache
// configuration"), instead of the CPU's: HCR_EL2.TID2 traps CTR_EL0, CCSIDR_EL1, CLIDR_EL1 and CSSELR_EL1, and
// sys_regs.c answers them from CTR_EL0 alone, so that a set/way loop is one operation per level and a vCPU sees the
// same whichever physical CPU it runs on.
#pragma once

#include "vcm/hyp/cpu/vcpu.h"

#include <cstdint>
#include <optional>

namespace vcm::hyp::policy {

// reset_clidr(): from CTR_EL0.IDC and DIC. Without IDC, a level-1 data cache marked LoUU, LoUIS and LoC; with IDC,
// a unified cache as LoC (level 1 with DIC, else 2); an instruction cache at level 1 unless DIC.
std::uint64_t kvmClidr(std::uint64_t ctr);
// get_ccsidr() without a VMM-provided value: one set, one way, the line size of CTR_EL0's DminLine (IminLine for
// an instruction cache, CSSELR_EL1.InD).
std::uint64_t kvmCcsidr(std::uint64_t ctr, std::uint64_t csselr);
// A trapped access (TrapHandler::onCacheIdRegister) as access_clidr, access_ccsidr, access_csselr and access_ctr
// answer it: CLIDR and CCSIDR fabricated, CSSELR kept, CTR_EL0 the machine's (sanitised) own.
std::uint64_t kvmCacheIdRegisterAccess(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::optional<std::uint64_t> written);

} // namespace vcm::hyp::policy

// The cache geometry KVM/arm64 shows a guest since Linux 6.3 (7af0c2534f4c "KVM: arm64: Normalize cache
// configuration"), instead of the CPU's: HCR_EL2.TID2 traps CTR_EL0, CCSIDR_EL1, CLIDR_EL1 and CSSELR_EL1, and
// sys_regs.c answers them from CTR_EL0 alone, so that a set/way loop is one operation per level and a vCPU sees the
// same whichever physical CPU it runs on.
#pragma once

#include "vcm/hyp/cpu/vcpu.h"

#include <cstdint>
#include <optional>

namespace vcm::hyp::policy {

// A trapped access (TrapHandler::onCacheIdRegister) as access_clidr, access_ccsidr, access_csselr and access_ctr
// answer it: CLIDR and CCSIDR fabricated, CSSELR kept, CTR_EL0 the machine's (sanitised) own.
std::uint64_t kvmCacheIdRegisterAccess(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::optional<std::uint64_t> written);

} // namespace vcm::hyp::policy

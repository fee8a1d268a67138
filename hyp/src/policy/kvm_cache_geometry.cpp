// KVM's fabricated cache geometry (kvm_cache_geometry.h), after arch/arm64/kvm/sys_regs.c of Linux 6.12.
#include "kvm_cache_geometry.h"

namespace vcm::hyp::policy {
namespace {

constexpr std::uint64_t kCtrIdc = std::uint64_t{1} << 28;
constexpr std::uint64_t kCtrDic = std::uint64_t{1} << 29;
constexpr std::uint64_t kCacheInstruction = 0b001;
constexpr std::uint64_t kCacheData = 0b010;
constexpr std::uint64_t kCacheUnified = 0b100;
constexpr unsigned kClidrLoUis = 21;
constexpr unsigned kClidrLoC = 24;
constexpr unsigned kClidrLoUu = 27;

constexpr unsigned ctypeShift(unsigned level)
{
    return 3 * (level - 1);
}

// reset_clidr(): from CTR_EL0.IDC and DIC. Without IDC, a level-1 data cache marked LoUU, LoUIS and LoC; with IDC,
// a unified cache as LoC (level 1 with DIC, else 2); an instruction cache at level 1 unless DIC.
std::uint64_t kvmClidr(std::uint64_t ctr)
{
    std::uint64_t clidr = 0;
    std::uint64_t loc = 1;
    if ((ctr & kCtrIdc) != 0) {
        // No clean to the PoU needed: no LoUU or LoUIS, a unified cache as the LoC (level 2 leaves level 1 for an
        // instruction cache).
        loc = (ctr & kCtrDic) != 0 ? 1 : 2;
        clidr = kCacheUnified << ctypeShift(static_cast<unsigned>(loc));
    } else {
        clidr = std::uint64_t{1} << kClidrLoUu | std::uint64_t{1} << kClidrLoUis | kCacheData << ctypeShift(1);
    }
    if ((ctr & kCtrDic) == 0)
        clidr |= kCacheInstruction << ctypeShift(1);
    return clidr | loc << kClidrLoC;
}

// get_ccsidr() without a VMM-provided value: one set, one way, the line size of CTR_EL0's DminLine (IminLine for
// an instruction cache, CSSELR_EL1.InD).
std::uint64_t kvmCcsidr(std::uint64_t ctr, std::uint64_t csselr)
{
    // CTR_EL0 gives log2(words): + 2 is log2(bytes); CCSIDR_EL1.LineSize is log2(bytes) - 4. NumSets and
    // Associativity 0: one set, one way.
    const bool instruction = (csselr & 1) != 0;
    const std::uint64_t log2Words = instruction ? ctr & 0xf : (ctr >> 16) & 0xf;
    return (log2Words + 2) - 4;
}

} // namespace

std::uint64_t kvmCacheIdRegisterAccess(cpu::Vcpu& vcpu, cpu::SystemRegister reg, std::optional<std::uint64_t> written)
{
    const std::uint64_t ctr = vcpu.readRegister(cpu::SystemRegister::CtrEl0);
    switch (reg) {
    case cpu::SystemRegister::ClidrEl1:
        return kvmClidr(ctr);
    case cpu::SystemRegister::CcsidrEl1:
        return kvmCcsidr(ctr, vcpu.readRegister(cpu::SystemRegister::CsselrEl1));
    default:
        if (written)
            vcpu.writeRegister(reg, *written);
        return vcpu.readRegister(reg);
    }
}

} // namespace vcm::hyp::policy

// WFI and WFE, and synchronous exceptions taken to EL1, as the Arm ARM's AArch64.TakeException (D1.10, "Exception entry")
// performs them: ELR_EL1, SPSR_EL1 and ESR_EL1 (and FAR_EL1 for an abort) are written, PSTATE becomes EL1h
// with D, A, I and F masked, and execution continues at VBAR_EL1 plus the offset of the vector for where the
// exception came from. The engine itself executes the guest's ERET. Unicorn stops short of this: its
// interrupt hook sees the exception before QEMU's do_interrupt would have entered it, so vcm enters it here.
#include "vcpu_impl.h"

namespace vcm::hyp::cpu {
namespace {

// PSTATE as Unicorn reads and writes it (QEMU's pstate_read layout, SPSR's format).
constexpr std::uint64_t kPstateNzcv = 0xf000'0000;
constexpr std::uint64_t kPstateDaif = 0x3c0;
constexpr std::uint64_t kPstateMode = 0xf;
constexpr std::uint64_t kModeEl1h = 0b0101;
constexpr std::uint64_t kModeEl1t = 0b0100;
constexpr std::uint64_t kVectorTableBytes = 0x800;
// Exceptions taken in a row from inside the vector table before the vCPU is stopped: a handler that faults
// itself would otherwise loop forever.
constexpr std::uint32_t kMaxNestedExceptions = 8;

} // namespace

void Vcpu::Impl::takeSynchronousException(std::uint32_t exceptionClass, std::uint32_t iss, std::uint64_t returnAddress,
                                          std::optional<std::uint64_t> faultAddress, const std::string& what,
                                          std::uint64_t instructionAddress)
{
    const std::uint64_t vbar = reg(UC_ARM64_REG_VBAR_EL1);
    const std::uint64_t pc = reg(UC_ARM64_REG_PC);
    const std::string taken = fmt::format("{} at {:#x}", what, instructionAddress);
    if (pc - vbar < kVectorTableBytes) {
        if (++m_nestedExceptions >= kMaxNestedExceptions) {
            stop(VcpuStop::Fault, fmt::format("{} inside the exception vectors (VBAR_EL1 = {:#x}), the {}th exception in "
                                              "a row taken there: the guest cannot handle its exceptions (the first: "
                                              "{})",
                                              taken, vbar, m_nestedExceptions, m_firstNestedException));
            return;
        }
    } else {
        m_nestedExceptions = 0;
        m_firstNestedException = taken;
    }
    m_lastException = taken;

    // ESR_EL1: EC, IL (a 32-bit instruction), ISS (D17.2.37). ESR_EL1 and FAR_EL1 live in the model (TVM).
    m_esr = (std::uint64_t{exceptionClass} << 26) | (std::uint64_t{1} << 25) | (iss & 0x1ff'ffff);
    if (faultAddress)
        m_far = *faultAddress;
    enterException(0x000, returnAddress);
    ++m_exceptionsTaken;
}

void Vcpu::Impl::enterException(std::uint64_t vectorOffset, std::uint64_t returnAddress)
{
    const std::uint64_t vbar = reg(UC_ARM64_REG_VBAR_EL1);
    const std::uint64_t pstate = reg(UC_ARM64_REG_PSTATE);
    // The vector group: from the current EL using SP_EL0 (EL1t) +0x000, using SP_EL1 (EL1h) +0x200, from a
    // lower EL (EL0, AArch64) +0x400; within it synchronous +0x000, IRQ +0x080 (D1.10.2).
    const std::uint64_t mode = pstate & kPstateMode;
    const std::uint64_t group = mode == kModeEl1h ? 0x200 : mode == kModeEl1t ? 0x000 : 0x400;
    uc_reg_write(m_uc, UC_ARM64_REG_ELR_EL1, &returnAddress);
    // SPSR_EL1 (op0 3, op1 0, CRn 4, CRm 0, op2 0) has no register id of its own in Unicorn 2.0.1.
    uc_arm64_cp_reg spsr{4, 0, 3, 0, 0, pstate};
    uc_reg_write(m_uc, UC_ARM64_REG_CP_REG, &spsr);
    const std::uint64_t entered = (pstate & kPstateNzcv) | kPstateDaif | kModeEl1h;
    if (mode != kModeEl1h) {
        // The engine keeps the current stack pointer in SP and banks the others: coming from SP_EL0, bank it
        // and take up SP_EL1 (QEMU's aarch64_save_sp and aarch64_restore_sp).
        const std::uint64_t sp = reg(UC_ARM64_REG_SP);
        const std::uint64_t spEl1 = reg(UC_ARM64_REG_SP_EL1);
        uc_reg_write(m_uc, UC_ARM64_REG_SP_EL0, &sp);
        uc_reg_write(m_uc, UC_ARM64_REG_PSTATE, &entered);
        uc_reg_write(m_uc, UC_ARM64_REG_SP, &spEl1);
    } else {
        uc_reg_write(m_uc, UC_ARM64_REG_PSTATE, &entered);
    }
    const std::uint64_t vector = vbar + group + vectorOffset;
    uc_reg_write(m_uc, UC_ARM64_REG_PC, &vector);
    rebuildEngineFlags(); // the engine's cached EL (its MMU index) follows PSTATE only then
}

void Vcpu::Impl::deliverPendingAbort()
{
    const PendingAbort abort = *m_pendingAbort;
    m_pendingAbort.reset();
    // ESR_EL1 for an abort (D17.2.37): EC 0x20/0x21 instruction abort from a lower/the same EL, 0x24/0x25 data
    // abort; ISS: the fault status code (0b0001LL translation, 0b0010LL access flag, 0b0011LL permission, LL
    // the level), WnR for a write.
    const bool fromEl0 = (reg(UC_ARM64_REG_PSTATE) & 0xc) == 0;
    std::uint32_t exceptionClass = abort.instructionFetch ? 0x20 : 0x24;
    if (!fromEl0)
        exceptionClass += 1;
    const std::uint32_t iss =
        ((static_cast<std::uint32_t>(abort.kind) << 2) | (abort.level & 3)) | (abort.write ? 1u << 6 : 0u);
    // The engine aborted the access with pc on the faulting instruction (for a fetch, the address fetched).
    const std::uint64_t pc = abort.instructionFetch ? abort.address : reg(UC_ARM64_REG_PC);
    takeSynchronousException(exceptionClass, iss, pc, abort.address,
                             fmt::format("{} {} fault for VA {:#x} at level {}",
                                         abort.instructionFetch ? "an instruction" : "a data", toString(abort.kind),
                                         abort.address, abort.level),
                             pc);
    m_pc = reg(UC_ARM64_REG_PC);
    m_stop = VcpuStop::BudgetUsed;
}

void Vcpu::Impl::onWaitForInterrupt()
{
    const std::uint32_t insn = instructionAt(m_pc - 4).value_or(0);
    constexpr std::uint32_t kWfi = 0xd503207f;
    constexpr std::uint32_t kWfe = 0xd503205f;
    if (insn != kWfi && insn != kWfe)
        return;
    chargeInstructions();
    ++m_waitsForInterrupt;
    m_stopRequested = true;
    if (m_interrupts != nullptr) {
        // A wake-up event (Arm ARM D1.16.2) is an interrupt the controller signals, masked by PSTATE or not:
        // with one already signalled the wait ends at once (the next slice takes it if PSTATE allows).
        // Otherwise the vCPU sleeps, as KVM's kvm_vcpu_block and Xen's vcpu_block keep a vCPU that trapped
        // on WFI (HCR_EL2.TWI) off its CPU, until the scheduler wakes it (Machine::run).
        updateTimerLines();
        m_waitingForEvent = insn == kWfe;
        m_stop = m_interrupts->irqSignalled(m_config.index) ? VcpuStop::BudgetUsed : VcpuStop::WaitingForInterrupt;
        return;
    }
    // No interrupt controller: the only wake-up source is the vCPU's own timer. Time moves on to its deadline
    // at once, as the core would idle there; with no timer armed nothing could wake it, and it gives up its
    // slice.
    const std::uint64_t now = m_self.counter();
    if (const auto deadline = m_timer.nextDeadline(); deadline && *deadline > now)
        m_memory.advanceCore(m_self.core(), (*deadline - now) * m_config.cyclesPerCounterTick);
    m_stop = VcpuStop::Yielded;
}

} // namespace vcm::hyp::cpu

// The vCPU's interrupt inputs on a board with an interrupt controller: its generic timers drive their PPIs
// (QEMU's virt wires CNTV to PPI 11, INTID 27, and the non-secure CNTP to PPI 14, INTID 30: hw/arm/virt.c
// create_gic), and an IRQ the controller signals is taken at the next instruction boundary the model sees,
// the start of a slice, when PSTATE.I is clear (Arm ARM D1.10.2, AArch64.TakePhysicalIRQException).
#include "vcpu_impl.h"

namespace vcm::hyp::cpu {
namespace {

constexpr std::uint32_t kVirtualTimerIntid = 27;
constexpr std::uint32_t kPhysicalTimerIntid = 30;
constexpr std::uint64_t kIrqVectorOffset = 0x80;

} // namespace

void Vcpu::Impl::updateTimerLines()
{
    const std::uint64_t now = m_self.counter();
    m_interrupts->setPrivateLevel(m_config.index, kVirtualTimerIntid, m_timer.interruptAsserted(TimerKind::Virtual, now));
    m_interrupts->setPrivateLevel(m_config.index, kPhysicalTimerIntid,
                                  m_timer.interruptAsserted(TimerKind::Physical, now));
}

bool Vcpu::Impl::takePendingInterrupt()
{
    updateTimerLines();
    if (!m_interrupts->irqSignalled(m_config.index) || (reg(UC_ARM64_REG_PSTATE) & kPstateI) != 0)
        return false;
    // The preferred return address of an asynchronous exception is the next instruction not executed: the
    // slice's start.
    uc_reg_write(m_uc, UC_ARM64_REG_PC, &m_pc);
    enterException(kIrqVectorOffset, m_pc);
    m_pc = reg(UC_ARM64_REG_PC);
    m_nestedExceptions = 0;
    m_lastException = fmt::format("an IRQ at {:#x}", reg(UC_ARM64_REG_ELR_EL1));
    ++m_interruptsTaken;
    return true;
}

std::uint64_t Vcpu::Impl::sliceUntilTimer(std::uint64_t budget) const
{
    const std::uint64_t now = m_self.counter();
    const auto deadline = m_timer.nextDeadline();
    if (!deadline || *deadline <= now)
        return budget;
    const std::uint64_t instructions =
        (*deadline - now) * m_config.cyclesPerCounterTick / std::max<std::uint64_t>(m_config.cyclesPerInstruction, 1);
    return std::clamp<std::uint64_t>(instructions, 1, budget);
}

bool Vcpu::interruptSignalled() const
{
    return m_impl->m_interrupts != nullptr && m_impl->m_interrupts->irqSignalled(m_impl->m_config.index);
}

std::optional<std::uint64_t> Vcpu::wakeUpCounter() const
{
    const auto deadline = m_impl->m_timer.nextDeadline();
    if (!deadline || *deadline <= counter())
        return std::nullopt; // fired already: its interrupt, if the controller forwards it, is signalled now
    return deadline;
}

bool Vcpu::waitingForEvent() const
{
    return m_impl->m_waitingForEvent;
}

std::uint64_t Vcpu::interruptsTaken() const
{
    return m_impl->m_interruptsTaken;
}

} // namespace vcm::hyp::cpu

// The vCPU's system instructions: MRS and MSR of the registers the model owns (TVM traps included) and
// SYS (DC by set/way and by VA, IC, TLBI), and the register file behind Vcpu::readRegister/writeRegister.
#include "vcpu_impl.h"

#include "vcm/hyp/memory/id_registers.h"

namespace vcm::hyp::cpu {

std::uint32_t Vcpu::Impl::onMrs(uc_arm64_reg destination, const uc_arm64_cp_reg& cp)
{
    chargeInstructions();
    const auto reg = decodeRegister({cp.op0, cp.op1, cp.crn, cp.crm, cp.op2});
    if (!reg)
        return 0; // not modelled: Unicorn answers
    const std::uint64_t value =
        m_hcr.tid2 && trappedByTid2(*reg) ? cacheIdRegisterTrap(*reg, cp, std::nullopt) : m_self.readRegister(*reg);
    uc_reg_write(m_uc, destination, &value);
    // The read returns the count at its start; the rest of its cost passes before the next instruction.
    if ((*reg == SystemRegister::CntvctEl0 || *reg == SystemRegister::CntpctEl0) && m_config.counterReadCycles > 1)
        m_memory.advanceAgentCore(m_agent, m_config.counterReadCycles - 1);
    return 1;
}

std::uint32_t Vcpu::Impl::onMsr(const uc_arm64_cp_reg& cp)
{
    chargeInstructions();
    const auto reg = decodeRegister({cp.op0, cp.op1, cp.crn, cp.crm, cp.op2});
    if (!reg)
        return 0;
    if (trappedByTvm(*reg) && m_hcr.tvm) {
        ++m_trapsTaken;
        ++m_trapCounts.tvm;
        if (m_self.cachesOn())
            ++m_trapCounts.tvmAfterCachesOn;
        emitTrap(tracer::TrapKind::VmRegister, static_cast<std::uint32_t>(*reg), 0, m_self.readRegister(*reg), cp.val);
        m_self.chargeHypervisor(m_config.trapEntryExit);
        handleTrap([&] { m_traps.onVmRegisterWrite(m_self, *reg, m_self.readRegister(*reg), cp.val); });
    } else if (m_hcr.tid2 && trappedByTid2(*reg)) {
        cacheIdRegisterTrap(*reg, cp, cp.val);
    } else {
        m_self.writeRegister(*reg, cp.val);
    }
    // Skipped in the engine: the model decides whether and when the write happens (under TVM, EL2's handler
    // applies it), and writeRegister passes the translation registers on to the engine
    // (vcpu_engine_state.cpp).
    return 1;
}

std::uint64_t Vcpu::Impl::cacheIdRegisterTrap(SystemRegister reg, const uc_arm64_cp_reg& cp,
                                              std::optional<std::uint64_t> written)
{
    ++m_trapsTaken;
    ++m_trapCounts.cacheIdRegister;
    m_self.chargeHypervisor(m_config.trapEntryExit);
    std::uint64_t value = 0;
    handleTrap([&] { value = m_traps.onCacheIdRegister(m_self, reg, written); });
    const std::uint32_t iss = tracer::systemRegisterIss(cp.op0, cp.op1, cp.crn, cp.crm, cp.op2, !written);
    emitTrap(tracer::TrapKind::SystemRegister, iss, 0, 0, written.value_or(value));
    return value;
}

void Vcpu::Impl::refuseSetWay(memory::SetWayOp op, std::uint64_t operand)
{
    m_refuseTrapped = false;
    const std::uint64_t pc = reg(UC_ARM64_REG_PC); // the hook synced it to the DC instruction
    emitTrap(tracer::TrapKind::Undefined, static_cast<std::uint32_t>(op), operand, 0, pc);
    // No object with a destructor lives between here and the engine: raise_exception longjmps out of the hook
    // into the engine's loop, which hands EXCP_UDEF to onInterrupt (the guest's vectors, ELR on the DC).
    m_raiseEngineException(m_engineState, kExceptionUndefined, 0, 1);
    std::abort(); // raise_exception never returns
}

std::uint32_t Vcpu::Impl::onSys(const uc_arm64_cp_reg& cp)
{
    chargeInstructions();
    const auto op = decodeOperation({cp.op0, cp.op1, cp.crn, cp.crm, cp.op2});
    if (!op)
        return 0;
    using memory::ByAddressOp;
    using memory::SetWayOp;
    auto setWay = [&](SetWayOp swOp) {
        if (m_hcr.tsw) {
            ++m_trapsTaken;
            ++m_trapCounts.setWay;
            emitSetWayTrap(swOp, cp.val);
            m_self.chargeHypervisor(m_config.trapEntryExit);
            handleTrap([&] { m_traps.onSetWay(m_self, swOp, cp.val); });
            if (m_refuseTrapped)
                refuseSetWay(swOp, cp.val);
        } else {
            m_self.executeSetWay(swOp, cp.val);
        }
    };
    auto byAddress = [&](ByAddressOp vaOp) {
        if (const auto where = translate(cp.val))
            m_memory.maintainByAddress(m_agent, vaOp, where->address, where->type);
    };
    switch (*op) {
    case SystemOperation::DcIsw:
        setWay(SetWayOp::Invalidate);
        break;
    case SystemOperation::DcCsw:
        setWay(SetWayOp::Clean);
        break;
    case SystemOperation::DcCisw:
        setWay(SetWayOp::CleanInvalidate);
        break;
    case SystemOperation::DcIvac:
        // D7.5.9.2: at EL1 with HCR_EL2.VM = 1, DC IVAC performs a clean and invalidate.
        byAddress(m_hcr.vm ? ByAddressOp::CleanInvalidateToPoC : ByAddressOp::InvalidateToPoC);
        break;
    case SystemOperation::DcCvac:
    case SystemOperation::DcCvap:
        byAddress(ByAddressOp::CleanToPoC);
        break;
    case SystemOperation::DcCivac:
        byAddress(ByAddressOp::CleanInvalidateToPoC);
        break;
    case SystemOperation::DcCvau:
        byAddress(ByAddressOp::CleanToPoU);
        break;
    case SystemOperation::DcZva:
        if (const auto where = translate(cp.val & ~std::uint64_t{m_memory.topology().lineBytes - 1})) {
            if (where->type == MemoryType::Device) {
                stop(VcpuStop::Fault, "DC ZVA to Device memory: alignment fault (not delivered to the guest)");
            } else {
                m_memory.maintainByAddress(m_agent, ByAddressOp::ZeroBlock, where->address, where->type);
                // The engine skips it, and the mirror holds what the guest last stored: the zeros. The engine's
                // own table walks read the mirror; a table page cleared with DC ZVA (Linux's clear_page) must
                // not show them what the page held before.
                if (inRamWindow(where->ipa))
                    std::memset(engineBytes(where->ipa), 0, m_memory.topology().lineBytes);
            }
        }
        break;
    case SystemOperation::Tlbi:
        flushTlb();
        if (m_broadcast)
            m_broadcast(BroadcastMaintenance{true, {}});
        return 0; // the engine executes it too, on its own TLB
    case SystemOperation::IcIalluis:
    case SystemOperation::IcIallu:
    case SystemOperation::IcIvau:
        // The model has no I-cache (instruction fetch reads the mirror); what the engine translated from
        // pages the guest wrote is dropped.
        invalidateStoredCode();
        break;
    }
    return 1;
}

namespace {

bool isTimerRegister(SystemRegister reg)
{
    switch (reg) {
    case SystemRegister::CntvCtlEl0:
    case SystemRegister::CntvCvalEl0:
    case SystemRegister::CntvTvalEl0:
    case SystemRegister::CntpCtlEl0:
    case SystemRegister::CntpCvalEl0:
    case SystemRegister::CntpTvalEl0:
        return true;
    default:
        return false;
    }
}

} // namespace

void Vcpu::writeRegister(SystemRegister reg, std::uint64_t value)
{
    Impl& impl = *m_impl;
    switch (reg) {
    case SystemRegister::SctlrEl1: {
        const auto cachesOn = [](std::uint64_t v) { return (v & sctlr::kM) != 0 && (v & sctlr::kC) != 0; };
        const bool wasOn = cachesOn(impl.m_stage1.sctlr);
        if (impl.m_config.events != nullptr && value != impl.m_stage1.sctlr)
            impl.m_config.events->sctlrChange(nowNs(), impl.m_config.vmId, impl.m_config.index, impl.m_stage1.sctlr,
                                              value);
        impl.m_stage1.sctlr = value;
        impl.flushTlb();
        impl.writeEngineTranslationRegister(reg);
        if (wasOn != cachesOn(value) && impl.m_cacheStateChanged)
            impl.m_cacheStateChanged(cachesOn(value));
        break;
    }
    case SystemRegister::Ttbr0El1:
        impl.m_stage1.ttbr0 = value;
        impl.flushTlb();
        impl.writeEngineTranslationRegister(reg);
        break;
    case SystemRegister::Ttbr1El1:
        impl.m_stage1.ttbr1 = value;
        impl.flushTlb();
        impl.writeEngineTranslationRegister(reg);
        break;
    case SystemRegister::TcrEl1:
        impl.m_stage1.tcr = value;
        impl.flushTlb();
        impl.writeEngineTranslationRegister(reg);
        break;
    case SystemRegister::MairEl1:
        impl.m_stage1.mair = value;
        impl.flushTlb();
        impl.writeEngineTranslationRegister(reg);
        break;
    case SystemRegister::AmairEl1:
        impl.m_amair = value;
        break;
    case SystemRegister::ContextidrEl1:
        impl.m_contextidr = value;
        break;
    case SystemRegister::EsrEl1:
        impl.m_esr = value;
        break;
    case SystemRegister::FarEl1:
        impl.m_far = value;
        break;
    case SystemRegister::Afsr0El1:
        impl.m_afsr0 = value;
        break;
    case SystemRegister::Afsr1El1:
        impl.m_afsr1 = value;
        break;
    case SystemRegister::CsselrEl1:
        impl.m_csselr = value & 0x1f;
        break;
    case SystemRegister::ClidrEl1:
    case SystemRegister::CcsidrEl1:
    case SystemRegister::CtrEl0:
    case SystemRegister::DczidEl0:
        break; // read-only identification registers (writing one is UNDEFINED)
    case SystemRegister::CntvCtlEl0:
        impl.m_timer.setControl(TimerKind::Virtual, value);
        break;
    case SystemRegister::CntvCvalEl0:
        impl.m_timer.setCompareValue(TimerKind::Virtual, value);
        break;
    case SystemRegister::CntvTvalEl0:
        impl.m_timer.setTimerValue(TimerKind::Virtual, value, counter());
        break;
    case SystemRegister::CntpCtlEl0:
        impl.m_timer.setControl(TimerKind::Physical, value);
        break;
    case SystemRegister::CntpCvalEl0:
        impl.m_timer.setCompareValue(TimerKind::Physical, value);
        break;
    case SystemRegister::CntpTvalEl0:
        impl.m_timer.setTimerValue(TimerKind::Physical, value, counter());
        break;
    case SystemRegister::CntfrqEl0:
    case SystemRegister::CntvctEl0:
    case SystemRegister::CntpctEl0:
    case SystemRegister::MpidrEl1:
        break; // read-only at EL1: a write is ignored here (the architecture makes it UNDEFINED)
    }
    // A timer's output follows its registers at once: a handler that masks or re-arms the timer must not be
    // handed the interrupt again by the controller before the slice ends.
    if (impl.m_interrupts != nullptr && isTimerRegister(reg))
        impl.updateTimerLines();
}

std::uint64_t Vcpu::readRegister(SystemRegister reg) const
{
    const Impl& impl = *m_impl;
    const auto& topology = impl.m_memory.topology();
    switch (reg) {
    case SystemRegister::SctlrEl1:
        return impl.m_stage1.sctlr;
    case SystemRegister::Ttbr0El1:
        return impl.m_stage1.ttbr0;
    case SystemRegister::Ttbr1El1:
        return impl.m_stage1.ttbr1;
    case SystemRegister::TcrEl1:
        return impl.m_stage1.tcr;
    case SystemRegister::MairEl1:
        return impl.m_stage1.mair;
    case SystemRegister::AmairEl1:
        return impl.m_amair;
    case SystemRegister::ContextidrEl1:
        return impl.m_contextidr;
    case SystemRegister::EsrEl1:
        return impl.m_esr;
    case SystemRegister::FarEl1:
        return impl.m_far;
    case SystemRegister::Afsr0El1:
        return impl.m_afsr0;
    case SystemRegister::Afsr1El1:
        return impl.m_afsr1;
    case SystemRegister::CsselrEl1:
        return impl.m_csselr;
    case SystemRegister::ClidrEl1:
        return memory::clidrEl1(topology);
    case SystemRegister::CcsidrEl1:
        return memory::ccsidrEl1(topology, impl.m_csselr);
    case SystemRegister::CtrEl0:
        return memory::ctrEl0(topology);
    case SystemRegister::DczidEl0:
        return memory::dczidEl0(topology);
    case SystemRegister::CntfrqEl0:
        return 62'500'000;
    case SystemRegister::CntvctEl0:
    case SystemRegister::CntpctEl0:
        // Modelled time of the core the vCPU runs on (CNTVOFF_EL2 = 0): deterministic, unlike the host clock,
        // which Unicorn would answer CNTPCT_EL0 with.
        return counter();
    case SystemRegister::CntvCtlEl0:
        return impl.m_timer.control(TimerKind::Virtual, counter());
    case SystemRegister::CntvCvalEl0:
        return impl.m_timer.compareValue(TimerKind::Virtual);
    case SystemRegister::CntvTvalEl0:
        return impl.m_timer.timerValue(TimerKind::Virtual, counter());
    case SystemRegister::CntpCtlEl0:
        return impl.m_timer.control(TimerKind::Physical, counter());
    case SystemRegister::CntpCvalEl0:
        return impl.m_timer.compareValue(TimerKind::Physical);
    case SystemRegister::CntpTvalEl0:
        return impl.m_timer.timerValue(TimerKind::Physical, counter());
    case SystemRegister::MpidrEl1:
        return mpidr();
    }
    return 0;
}

} // namespace vcm::hyp::cpu

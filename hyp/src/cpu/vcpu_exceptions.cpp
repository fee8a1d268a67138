// The exceptions the engine raises in the vCPU: HVC and SMC (SMCCC: vcm's hypercalls, PSCI), the synchronous
// exceptions delivered to the guest (undefined instruction, SVC, BRK; vcpu_exception_entry.cpp), and what the
// model does not deliver yet (the vCPU stops with a message).
#include "vcpu_impl.h"

#include "vcm/hyp/guest_abi.h"

namespace vcm::hyp::cpu {

namespace {

const char* exceptionName(std::uint32_t intno)
{
    switch (intno) {
    case 1:
        return "undefined instruction";
    case 2:
        return "supervisor call";
    case 3:
        return "prefetch abort";
    case 4:
        return "data abort";
    case 5:
        return "IRQ";
    case 6:
        return "FIQ";
    case 7:
        return "breakpoint";
    default:
        return "exception";
    }
}

} // namespace

void Vcpu::Impl::onInterrupt(std::uint32_t intno)
{
    chargeInstructions();
    const std::uint64_t pc = reg(UC_ARM64_REG_PC);
    // Aborts from the engine's MMU: the access was translated by the guest's own tables and faulted.
    if (intno == kExceptionDataAbort || intno == kExceptionPrefetchAbort) {
        onEngineAbort(intno == kExceptionPrefetchAbort);
        return;
    }
    // Read as the engine fetched it: through the guest's translation (the engine reads physical memory).
    const std::uint32_t insn = instructionAt(pc).value_or(0);
    // Without EL2 in the engine, HVC arrives as an undefined instruction with pc on the HVC itself.
    if (intno == kExceptionUndefined && (insn & kHvcMask) == kHvcBits) {
        const std::uint64_t next = pc + 4;
        uc_reg_write(m_uc, UC_ARM64_REG_PC, &next);
        smcccCall(SmcccConduit::Hvc, (insn >> 5) & 0xffffu, pc);
        return;
    }
    // SMC arrives as QEMU's EXCP_SMC with pc already past it (its preferred return address, Arm ARM D1.10.1).
    if (intno == kExceptionSecureMonitorCall) {
        const std::uint32_t smc = instructionAt(pc - 4).value_or(0);
        if ((smc & kHvcMask) == kSmcBits) {
            smcccCall(SmcccConduit::Smc, (smc >> 5) & 0xffffu, pc - 4);
            return;
        }
    }
    // Exception classes of ESR_ELx (Arm ARM D17.2.37): 0x00 unknown reason, 0x15 SVC, 0x3c BRK.
    if (intno == kExceptionUndefined) {
        takeSynchronousException(0x00, 0, pc, std::nullopt, fmt::format("undefined instruction {:#010x}", insn), pc);
        return;
    }
    if (intno == kExceptionSupervisorCall) {
        // QEMU's pc is past the SVC, which is the preferred return address; messages name the SVC itself.
        const std::uint32_t svc = instructionAt(pc - 4).value_or(0);
        takeSynchronousException(0x15, (svc >> 5) & 0xffffu, pc, std::nullopt,
                                 fmt::format("SVC #{:#x}", (svc >> 5) & 0xffffu), pc - 4);
        return;
    }
    if (intno == kExceptionBreakpoint) {
        takeSynchronousException(0x3c, (insn >> 5) & 0xffffu, pc, std::nullopt,
                                 fmt::format("BRK #{:#x}", (insn >> 5) & 0xffffu), pc);
        return;
    }
    // SVC and SMC arrive with pc past the instruction: name the instruction itself.
    const std::uint64_t at = intno == kExceptionSupervisorCall || intno == kExceptionSecureMonitorCall ? pc - 4 : pc;
    stop(VcpuStop::Fault, fmt::format("{} at {:#x} (instruction {:#010x}) is not delivered to the guest by this model",
                                      exceptionName(intno), at, instructionAt(at).value_or(0)));
}

void Vcpu::Impl::smcccCall(SmcccConduit conduit, std::uint32_t immediate, std::uint64_t pc)
{
    const char* instruction = conduit == SmcccConduit::Hvc ? "HVC" : "SMC";
    if (immediate != 0) {
        // SMCCC calls use immediate 0 (DEN0028 2.5.1); vcm's hypercalls were HVC #1..#3 before they moved
        // into SMCCC owner 6, which is why a stale guest image would land here.
        stop(VcpuStop::Fault, fmt::format("{} #{:#x} at {:#x}: only {} #0 (SMC Calling Convention) is served",
                                          instruction, immediate, pc, instruction));
        return;
    }
    const auto functionId = static_cast<std::uint32_t>(reg(UC_ARM64_REG_X0));
    if (vcmCall(functionId))
        return;
    const SmcccCall call{conduit, functionId, {reg(UC_ARM64_REG_X1), reg(UC_ARM64_REG_X2), reg(UC_ARM64_REG_X3)}};
    ++m_trapsTaken;
    ++m_trapCounts.smccc;
    m_self.chargeHypervisor(m_config.trapEntryExit);
    SmcccResult result;
    if (m_config.firmware != nullptr)
        result = m_config.firmware->call(m_self, call);
    emitTrap(tracer::TrapKind::Smccc, functionId, call.args[0], static_cast<std::uint64_t>(conduit), result.x[0]);
    // SMCCC 1.1+: x0..x3 carry results, x4..x17 are preserved (the model never touches them).
    constexpr std::array<int, 4> kResultRegisters{UC_ARM64_REG_X0, UC_ARM64_REG_X1, UC_ARM64_REG_X2, UC_ARM64_REG_X3};
    for (std::size_t i = 0; i < result.x.size(); ++i)
        if (i == 0 || result.writesAll)
            uc_reg_write(m_uc, kResultRegisters[i], &result.x[i]);
    if (result.action == SmcccAction::PowerOff) {
        m_exited = true;
        m_exitCode = 0;
        m_poweredOff = true;
        stop(VcpuStop::Exited);
    } else if (result.action == SmcccAction::Reset) {
        m_exited = true;
        m_exitCode = 0;
        m_resetRequested = true;
        stop(VcpuStop::Exited);
    } else if (result.action == SmcccAction::CpuOff) {
        m_poweredOn = false;
        stop(VcpuStop::PoweredOff);
    }
}

std::optional<std::string> Vcpu::Impl::readGuestString(std::uint64_t va, std::uint64_t length, bool stopAtNul)
{
    // The guest's own view (its agent, its memory type), not the hypervisor's cacheable map: Xen's ABI
    // requires hypercall buffers in Normal cacheable memory, and a guest with caches off breaks that rule,
    // so copy_from_guest would read stale data and allocate lines the experiment never asked for. The
    // console is a debug channel and must not perturb what it reports on.
    std::string text;
    for (std::uint64_t i = 0; i < length; ++i) {
        const auto where = translate(va + i);
        if (!where)
            return std::nullopt;
        std::uint8_t byte = 0;
        m_memory.read(m_agent, where->address, std::span(&byte, 1), where->type);
        if (stopAtNul && byte == 0)
            break;
        text.push_back(static_cast<char>(byte));
    }
    return text;
}

bool Vcpu::Impl::vcmCall(std::uint32_t functionId)
{
    switch (functionId) {
    case VCM_SMCCC_EXIT:
        exitGuest(reg(UC_ARM64_REG_X1));
        return true;
    case VCM_SMCCC_CONSOLE_WRITE:
        consoleWrite(reg(UC_ARM64_REG_X1), reg(UC_ARM64_REG_X2));
        return true;
    case VCM_SMCCC_MARKER:
        marker(reg(UC_ARM64_REG_X1));
        return true;
    case VCM_SMCCC_YIELD:
        yield();
        return true;
    default:
        return false;
    }
}

void Vcpu::Impl::consoleWrite(std::uint64_t address, std::uint64_t length)
{
    if (length > kMaxConsoleWrite) {
        refuse(fmt::format("console write of {} bytes exceeds {}", length, kMaxConsoleWrite));
        return;
    }
    if (auto text = readGuestString(address, length, false)) {
        m_console += *text;
        if (m_config.events != nullptr)
            m_config.events->console(m_self.nowNs(), m_config.vmId, m_config.index, *text);
    }
}

void Vcpu::Impl::marker(std::uint64_t nameAddress)
{
    if (auto name = readGuestString(nameAddress, kMaxMarker, true)) {
        m_markers.push_back({m_memory.coreTime(m_self.core()), *name});
        if (m_config.events != nullptr)
            m_config.events->marker(m_self.nowNs(), m_config.vmId, m_config.index, *name);
        if (m_markerReached)
            m_markerReached(m_markers.back());
    }
}

void Vcpu::Impl::exitGuest(std::uint64_t code)
{
    m_exited = true;
    m_exitCode = code;
    stop(VcpuStop::Exited);
}

void Vcpu::Impl::yield()
{
    stop(VcpuStop::Yielded);
}

void Vcpu::Impl::refuse(std::string why)
{
    stop(VcpuStop::Fault, std::move(why));
}

} // namespace vcm::hyp::cpu

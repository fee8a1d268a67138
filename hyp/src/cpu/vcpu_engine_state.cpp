// The CPU engine's own state, which the guest never sees directly: its exception-level configuration, its
// address space, its copies of the guest's translation registers, its TLB and its translated code.
//
// The engine translates the guest's VAs with its own MMU (QEMU's get_phys_addr_lpae), from the guest's
// SCTLR_EL1, TCR_EL1, TTBRn_EL1 and the tables in the mirror; its physical address space is the VM's IPA
// space. Unicorn 2.0.1 adds two conditions of its own, measured on Debian's libunicorn 2.0.1.post1:
//  - every access must find a region at its *virtual* address (load_helper/store_helper call
//    memory_mapping(uc, va) and stop with UC_ERR_MAP when there is none, even if an unmapped-access hook
//    says it handled the access). So the VA space outside RAM and the board holds placeholders: MMIO regions
//    without callbacks that are ever called (the MMU sends every access to the IPA the tables give) and
//    without write or execute permission, so that stores reach the write-protection hook, which gives them
//    to the model, and fetches the fetch-protection hook, once per translated block.
//  - the engine resets into EL3 and is put at EL1 with SCR_EL3 as reset (RW = 0): QEMU's arm_el_is_aa64(env, 1)
//    is then false and its MMU walks the guest's AArch64 tables as AArch32 LPAE ones (TTBCR.T0SZ's low three
//    bits, 32-bit inputs), which faults on most non-identity VAs. SCR_EL3.RW = 1 makes EL1 AArch64.
//  - its register writes (PSTATE, and system registers through the cp-register interface) leave QEMU's
//    cached translation flags (env->hflags: the current EL's MMU index, TBI, endianness) as they were. An
//    exception vcm enters from EL0 would then run the EL1 vector with EL0's MMU index, and fault on it. QEMU's
//    own arm_rebuild_hflags is exported by the library; vcm finds the engine's CPU state once, by the
//    register values it planted in it, and calls it after each such write (EngineFlags below).
#include "vcpu_impl.h"

#include <cerrno>

#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace vcm::hyp::cpu {
namespace {

constexpr std::uint64_t kScrEl3Rw = 1u << 10; // lower exception levels are AArch64
constexpr std::uint64_t kLowHalfEnd = std::uint64_t{1} << 48;
constexpr std::uint64_t kHighHalfStart = 0xffff'0000'0000'0000ull;
// Two pages of the VA space keep no region: one is mapped and unmapped to flush the engine's TLB (QEMU's
// memory_map_io flushes it whole), and the top page, which no region can reach the end of.
constexpr std::uint64_t kTlbFlushPage = kLowHalfEnd - 0x1000;
constexpr std::uint64_t kHighHalfEnd = 0xffff'ffff'ffff'f000ull;

std::uint64_t placeholderRead(uc_engine*, std::uint64_t, unsigned, void*)
{
    return 0; // never reached: the engine's MMU sends accesses to RAM or the board (see above)
}

// The engine's copy of a system register, written through its cp-register interface (Unicorn's
// write_cp_reg prefers a register's raw write function: no TLB flush, no hflags rebuild).
void writeEngineRegister(uc_engine* uc, std::uint32_t op0, std::uint32_t op1, std::uint32_t crn, std::uint32_t crm,
                         std::uint32_t op2, std::uint64_t value)
{
    uc_arm64_cp_reg reg{crn, crm, op0, op1, op2, value};
    uc_reg_write(uc, UC_ARM64_REG_CP_REG, &reg);
}

// Reads `bytes` at `address` of this process into `out`, or says it cannot, without faulting on memory that is
// not readable: process_vm_readv on itself (a raw system call, so no sanitizer interceptor checks the remote
// range), or, where that is not allowed, a pipe, whose write reports EFAULT instead.
class MemoryProbe {
public:
    MemoryProbe()
    {
        if (pipe(m_pipe) != 0)
            m_pipe[0] = m_pipe[1] = -1;
    }
    ~MemoryProbe()
    {
        for (int fd : m_pipe)
            if (fd >= 0)
                close(fd);
    }
    MemoryProbe(const MemoryProbe&) = delete;
    MemoryProbe& operator=(const MemoryProbe&) = delete;
    // Reads what it can of [address, address + bytes) into `out`, page by page: the bytes read, up to the first
    // page that is not readable.
    std::size_t read(std::uint64_t address, void* out, std::size_t bytes)
    {
        auto* to = static_cast<std::uint8_t*>(out);
        std::size_t done = 0;
        while (done < bytes) {
            // Chunks end at page boundaries, so one unreadable page does not hide the readable part before it.
            const std::size_t chunk = std::min<std::size_t>(0x1000 - ((address + done) & 0xfff), bytes - done);
            // NOLINTNEXTLINE(performance-no-int-to-ptr): probing an address the engine's state may hold
            auto* from = reinterpret_cast<void*>(address + done);
            if (!readChunk(from, to + done, chunk))
                break;
            done += chunk;
        }
        return done;
    }

private:
    bool readChunk(void* from, std::uint8_t* to, std::size_t bytes)
    {
        if (m_useSyscall) {
            iovec local{to, bytes};
            iovec remote{from, bytes};
            const long got = syscall(SYS_process_vm_readv, getpid(), &local, 1UL, &remote, 1UL, 0UL);
            if (got == static_cast<long>(bytes))
                return true;
            if (errno != EPERM && errno != ENOSYS)
                return false;
            m_useSyscall = false;
        }
        return write(m_pipe[1], from, bytes) == static_cast<ssize_t>(bytes) &&
               ::read(m_pipe[0], to, bytes) == static_cast<ssize_t>(bytes);
    }
    int m_pipe[2] = {-1, -1};
    bool m_useSyscall = true;
};

// QEMU 5.0's CPUARMState as Unicorn 2.0.1 lays it out: uint32_t regs[16], then uint64_t xregs[32], pc, then
// uint32_t pstate.
constexpr std::size_t kXregsOffset = 64;
constexpr std::size_t kPcOffset = kXregsOffset + 32 * 8;

} // namespace

void Vcpu::Impl::locateEngineState()
{
    using Rebuild = void (*)(void*);
    auto* rebuild = reinterpret_cast<Rebuild>(dlsym(RTLD_DEFAULT, "arm_rebuild_hflags_aarch64"));
    if (rebuild == nullptr)
        throw std::runtime_error(fmt::format("{}: this Unicorn library does not export arm_rebuild_hflags_aarch64",
                                             m_config.name));
    m_raiseEngineException = reinterpret_cast<decltype(m_raiseEngineException)>(
        dlsym(RTLD_DEFAULT, "raise_exception_aarch64"));
    if (m_raiseEngineException == nullptr)
        throw std::runtime_error(fmt::format("{}: this Unicorn library does not export raise_exception_aarch64",
                                             m_config.name));
    // Plant distinctive values in x0..x30 and pc, look for them in the objects uc_struct points to, then put the
    // registers back (they are all zero before the first run, but for x0 and pc).
    // x29 and x30 have ids of their own in Unicorn's enumeration, after x28.
    const auto xRegister = [](std::size_t i) {
        return i < 29 ? UC_ARM64_REG_X0 + static_cast<int>(i) : (i == 29 ? UC_ARM64_REG_X29 : UC_ARM64_REG_X30);
    };
    std::array<std::uint64_t, 31> saved{};
    std::array<std::uint64_t, 31> planted{};
    for (std::size_t i = 0; i < planted.size(); ++i) {
        saved[i] = reg(xRegister(i));
        planted[i] = 0x7663'6d00'0000'0000ull | (std::uint64_t{i} << 16) | 0x5eed;
        uc_reg_write(m_uc, xRegister(i), &planted[i]);
    }
    const std::uint64_t savedPc = reg(UC_ARM64_REG_PC);
    const std::uint64_t plantedPc = 0x7663'6d00'0000'5c5cull;
    uc_reg_write(m_uc, UC_ARM64_REG_PC, &plantedPc);
    MemoryProbe probe;
    std::vector<std::uint64_t> uc(2048);
    void* found = nullptr;
    const std::size_t ucWords = probe.read(reinterpret_cast<std::uint64_t>(m_uc), uc.data(), uc.size() * 8) / 8;
    uc.resize(ucWords);
    {
        std::vector<std::uint64_t> object(1u << 16);
        for (std::uint64_t candidate : uc) {
            if (candidate < 0x10000 || (candidate & 7) != 0)
                continue;
            const std::size_t words = probe.read(candidate, object.data(), object.size() * 8) / 8;
            for (std::size_t j = 0; j + 33 <= words && found == nullptr; ++j)
                if (object[j] == planted[0] && std::equal(planted.begin(), planted.end(), object.begin() + static_cast<std::ptrdiff_t>(j)) &&
                    object[j + 32] == plantedPc && j * 8 >= kXregsOffset)
                    found = reinterpret_cast<void*>(candidate + j * 8 - kXregsOffset);
            if (found != nullptr)
                break;
        }
    }
    for (std::size_t i = 0; i < saved.size(); ++i)
        uc_reg_write(m_uc, xRegister(i), &saved[i]);
    uc_reg_write(m_uc, UC_ARM64_REG_PC, &savedPc);
    if (found == nullptr)
        throw std::runtime_error(fmt::format("{}: cannot find the CPU engine's register state (a Unicorn build other "
                                             "than Debian's 2.0.1?)",
                                             m_config.name));
    static_assert(kPcOffset == 320, "QEMU 5.0's CPUARMState: pc follows xregs[32]");
    m_engineState = found;
    m_rebuildEngineFlags = rebuild;
}

void Vcpu::Impl::rebuildEngineFlags()
{
    m_rebuildEngineFlags(m_engineState);
}

void Vcpu::Impl::setUpEngine()
{
    locateEngineState();
    writeEngineRegister(m_uc, 3, 6, 1, 1, 0, kScrEl3Rw); // SCR_EL3
    mapVaPlaceholders();
    syncEngineTranslation();
}

void Vcpu::Impl::mapVaPlaceholders()
{
    // The regions the engine already has, in address order; placeholders fill the gaps of both halves.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> taken{{m_config.ramIpa, m_config.ramIpa + m_config.ramBytes},
                                                               {kTlbFlushPage, kLowHalfEnd}};
    if (m_config.board != nullptr)
        for (const board::BoardRegion& r : m_config.board->regions())
            taken.emplace_back(r.base, r.base + r.size);
    std::sort(taken.begin(), taken.end());
    auto fill = [&](std::uint64_t from, std::uint64_t to) {
        if (to <= from)
            return;
        if (uc_mmio_map(m_uc, from, to - from, placeholderRead, nullptr, nullptr, nullptr) != UC_ERR_OK)
            throw std::runtime_error(fmt::format("{}: cannot reserve VAs [{:#x}, {:#x}) in the CPU engine",
                                                 m_config.name, from, to));
    };
    std::uint64_t next = 0;
    for (const auto& [begin, end] : taken) {
        fill(next, std::min(begin, kLowHalfEnd));
        next = std::max(next, end);
    }
    fill(next, kTlbFlushPage);
    fill(kHighHalfStart, kHighHalfEnd);
}

void Vcpu::Impl::flushEngineTlb()
{
    uc_mmio_map(m_uc, kTlbFlushPage, 0x1000, placeholderRead, nullptr, nullptr, nullptr);
    uc_mem_unmap(m_uc, kTlbFlushPage, 0x1000);
}

void Vcpu::Impl::writeEngineTranslationRegister(SystemRegister reg)
{
    switch (reg) {
    case SystemRegister::SctlrEl1:
        writeEngineRegister(m_uc, 3, 0, 1, 0, 0, m_stage1.sctlr);
        break;
    case SystemRegister::TcrEl1:
        writeEngineRegister(m_uc, 3, 0, 2, 0, 2, m_stage1.tcr);
        break;
    case SystemRegister::Ttbr0El1:
        writeEngineRegister(m_uc, 3, 0, 2, 0, 0, m_stage1.ttbr0);
        break;
    case SystemRegister::Ttbr1El1:
        writeEngineRegister(m_uc, 3, 0, 2, 0, 1, m_stage1.ttbr1);
        break;
    case SystemRegister::MairEl1:
        writeEngineRegister(m_uc, 3, 0, 10, 2, 0, m_stage1.mair);
        return; // attributes are not held in the engine's TLB
    default:
        return;
    }
    // What QEMU's own write functions and its translator would do: the MMU switched, the regime or the ASID
    // changed (QEMU's TLB carries no ASID; the guest's TLBIs run in the engine as well), and the cached flags
    // (TBI, endianness) follow SCTLR and TCR.
    flushEngineTlb();
    rebuildEngineFlags();
}

void Vcpu::Impl::syncEngineTranslation()
{
    for (SystemRegister reg : {SystemRegister::MairEl1, SystemRegister::TcrEl1, SystemRegister::Ttbr0El1,
                               SystemRegister::Ttbr1El1, SystemRegister::SctlrEl1})
        writeEngineTranslationRegister(reg);
}

void Vcpu::Impl::invalidateTranslatedCode(std::vector<std::uint64_t> ipaPages)
{
    if (ipaPages.empty())
        return;
    // Unicorn 2.0.1 names the code to drop by an address its MMU translates (uc_invalidate_tb calls
    // get_page_addr_code). With the guest's MMU off that address is the IPA; with it on, the engine's MMU is
    // turned off for the while (its TLB flushed on both sides), so that the pages can still be named by IPA:
    // the VA that wrote them may be gone already (Linux patches its text through a fixmap alias it unmaps
    // before the IC), and dropping all translated code instead costs a retranslation of the kernel per patch.
    const bool mmuOn = (m_stage1.sctlr & sctlr::kM) != 0;
    if (mmuOn) {
        writeEngineRegister(m_uc, 3, 0, 1, 0, 0, m_stage1.sctlr & ~sctlr::kM);
        flushEngineTlb();
    }
    for (std::uint64_t page : ipaPages)
        if (inRamWindow(page))
            uc_ctl_remove_cache(m_uc, page, page + 0x1000);
    if (mmuOn) {
        writeEngineRegister(m_uc, 3, 0, 1, 0, 0, m_stage1.sctlr);
        flushEngineTlb();
    }
}

std::optional<std::uint32_t> Vcpu::Impl::instructionAt(std::uint64_t va)
{
    // The engine's view, without the model's side effects (no walk through the caches, no stage-2 fault
    // handling): the guest's tables as the mirror holds them, as the engine's own MMU read them.
    std::uint64_t ipa = va;
    if ((m_stage1.sctlr & sctlr::kM) != 0) {
        bool unreadable = false;
        const Stage1Walk walk = walkStage1(m_stage1, va, [&](std::uint64_t tableIpa) -> std::uint64_t {
            std::uint64_t descriptor = 0;
            if (inRamWindow(tableIpa) && inRamWindow(tableIpa + 7))
                std::memcpy(&descriptor, engineBytes(tableIpa), 8);
            else if (const std::uint8_t* rom = romBytes(tableIpa, 8))
                std::memcpy(&descriptor, rom, 8);
            else
                unreadable = true;
            return descriptor;
        });
        if (!walk.result || unreadable)
            return std::nullopt;
        ipa = walk.result->ipa;
    }
    std::uint32_t insn = 0;
    if (inRamWindow(ipa) && inRamWindow(ipa + 3)) {
        std::memcpy(&insn, engineBytes(ipa), 4);
        return insn;
    }
    if (const std::uint8_t* rom = romBytes(ipa, 4)) {
        std::memcpy(&insn, rom, 4);
        return insn;
    }
    return std::nullopt;
}

} // namespace vcm::hyp::cpu

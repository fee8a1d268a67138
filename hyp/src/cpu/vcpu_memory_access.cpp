// The vCPU's data side: stage-1 and stage-2 translation with the software TLB, loads and stores through the
// memory model, stage-1 faults made precise with the engine's own MMU, and dropping code translated from
// written pages.
//
// The engine translates the guest's VAs itself, with the guest's SCTLR/TCR/TTBRn/MAIR and tables (its
// physical address space is the VM's IPA space: the mirror of RAM, the board's regions). The model walks the
// same tables again, through the caches, for the memory type and the IPA it charges each access to; where
// the model's walk faults, the access is recorded as a pending abort and the engine's MMU, faulting on the same
// descriptor, aborts the instruction precisely, which is where the guest takes the abort.
#include "vcpu_impl.h"

namespace vcm::hyp::cpu {

std::optional<DataTranslation> Vcpu::Impl::translateSlow(std::uint64_t va, bool collectFaults)
{
    const std::uint64_t vaPage = va & kPageMask;
    FastTranslation& fast = m_fast[(va >> 12) % m_fast.size()];
    std::uint64_t ipa = va;
    std::uint8_t mairAttr = 0;
    bool writable = true;
    std::uint8_t level = 3;
    if (m_space.removals() != m_tlbRemovals) {
        m_tlb.clear(); // EL2 flushed the VM's TLB entries after removing stage-2 entries
        m_tlbRemovals = m_space.removals();
    }
    if ((m_stage1.sctlr & sctlr::kM) != 0) {
        auto it = m_tlb.find(va >> 12);
        if (it == m_tlb.end()) {
            // Walks are Non-cacheable while SCTLR_EL1.C is 0 (Arm ARM D8.2.6), combined with stage 2 like any
            // access: under FEAT_S2FWB stage 2 makes them write-back, so they see what the guest's own
            // (write-back) stores of its tables left in the caches.
            const MemoryType walkType = combineStages(
                (m_stage1.sctlr & sctlr::kC) != 0 ? MemoryType::NormalWriteBack : MemoryType::NormalNonCacheable,
                Stage2MemoryKind::Ram, m_hcr.fwb);
            bool walkFault = false;
            const Stage1Walk walk = walkStage1(m_stage1, va, [&](std::uint64_t tableIpa) -> std::uint64_t {
                auto s2 = m_space.translate(tableIpa);
                if (!s2 && !inRamWindow(tableIpa))
                    if (const std::uint8_t* rom = romBytes(tableIpa, 8)) { // tables in flash (EDK2's first ones)
                        std::uint64_t descriptor = 0;
                        std::memcpy(&descriptor, rom, 8);
                        return descriptor;
                    }
                if (!s2) {
                    // The walk's own access faults at stage 2 too; EL2 may fix it up (access tracking).
                    ++m_trapsTaken;
                    ++m_trapCounts.stage2Fault;
                    emitTrap(tracer::TrapKind::Stage2Fault, 0, tableIpa, 0, 0);
                    m_self.chargeHypervisor(m_config.trapEntryExit);
                    bool fixed = false;
                    handleTrap([&] { fixed = m_traps.onStage2Fault(m_self, tableIpa); });
                    if (fixed)
                        s2 = m_space.translate(tableIpa);
                }
                if (!s2) {
                    walkFault = true;
                    return 0;
                }
                std::array<std::uint8_t, 8> bytes{};
                m_memory.read(m_agent, s2->address, bytes, walkType);
                std::uint64_t descriptor = 0;
                std::memcpy(&descriptor, bytes.data(), 8);
                return descriptor;
            });
            if (walkFault) {
                stop(VcpuStop::Fault, fmt::format("stage-2 abort on a stage-1 table walk for VA {:#x}", va));
                return std::nullopt;
            }
            if (walk.fault) {
                if (collectFaults) { // the caller delivers it to the guest as an abort
                    m_collectedFault = *walk.fault;
                    return std::nullopt;
                }
                stop(VcpuStop::Fault, fmt::format("stage-1 {} fault for VA {:#x} at level {}: {}",
                                                  toString(walk.fault->kind), va, walk.fault->level,
                                                  walk.fault->reason));
                return std::nullopt;
            }
            it = m_tlb.emplace(va >> 12, TlbEntry{walk.result->ipa & kPageMask, walk.result->mairAttr,
                                                  walk.result->writable,
                                                  static_cast<std::uint8_t>(walk.result->level)})
                     .first;
        }
        ipa = it->second.ipaPage | (va & 0xfff);
        mairAttr = it->second.mairAttr;
        writable = it->second.writable;
        level = it->second.level;
    }
    auto s2 = m_space.translate(ipa);
    if (!s2 && m_config.board != nullptr) {
        if (const board::BoardRegion* region = m_config.board->find(ipa)) {
            // Outside stage-2 RAM: ROM or a device, with the memory type stage 1 gives it (its ROM bytes are
            // never cached by the model, see board_bus.h).
            const MemoryType type = combineStages(stage1DataType(m_stage1.sctlr, m_hcr.dc, mairAttr),
                                                  Stage2MemoryKind::Mmio, false);
            fast = {vaPage, 0, ipa & kPageMask, m_space.generation(), type, region, writable, level};
            return DataTranslation{0, type, ipa, region, writable, level};
        }
    }
    if (!s2) {
        // A stage-2 fault: EL2 may fix it up (a lazily mapped page, access tracking) and the access retries.
        ++m_trapsTaken;
        ++m_trapCounts.stage2Fault;
        emitTrap(tracer::TrapKind::Stage2Fault, 0, ipa, 0, 0);
        m_self.chargeHypervisor(m_config.trapEntryExit);
        bool fixed = false;
        handleTrap([&] { fixed = m_traps.onStage2Fault(m_self, ipa); });
        if (fixed)
            s2 = m_space.translate(ipa);
    }
    if (!s2) {
        stop(VcpuStop::Fault, fmt::format("stage-2 abort: IPA {:#x} (VA {:#x}) is not mapped in VM {}", ipa, va,
                                          m_config.vmId));
        return std::nullopt;
    }
    if (!inRamWindow(ipa)) {
        // The engine holds RAM at the VM's RAM window only (its physical space is the IPA space).
        stop(VcpuStop::Fault, fmt::format("VA {:#x} maps to IPA {:#x}, outside the guest RAM window [{:#x}, {:#x})",
                                          va, ipa, m_config.ramIpa, m_config.ramIpa + m_config.ramBytes));
        return std::nullopt;
    }
    const MemoryType s1 = stage1DataType(m_stage1.sctlr, m_hcr.dc, mairAttr);
    const DataTranslation result{s2->address, combineStages(s1, s2->kind, m_hcr.fwb), ipa, nullptr, writable, level};
    fast = {vaPage, s2->address & kPageMask, ipa & kPageMask, m_space.generation(), result.type, nullptr,
            writable, level};
    return result;
}

bool Vcpu::Impl::onStore(std::uint64_t address, int size, std::int64_t value)
{
    // Unicorn replays an unaligned store to a page it does not write as `size` byte stores
    // (store_helper's do_unaligned_access), each of which reaches this hook again: the model has had the
    // whole store already.
    if (m_unalignedBytesLeft != 0 && size == 1 && address == m_unalignedNext) {
        --m_unalignedBytesLeft;
        ++m_unalignedNext;
        return true;
    }
    m_unalignedBytesLeft = 0;
    if (size > 1 && (address & static_cast<std::uint64_t>(size - 1)) != 0) {
        m_unalignedBytesLeft = static_cast<std::uint32_t>(size);
        m_unalignedNext = address;
    }
    onMemory(UC_MEM_WRITE, address, size, value);
    return true; // handled: the engine drops the store, the mirror already has it
}

void Vcpu::Impl::compactStoredPages()
{
    std::sort(m_storedPages.begin(), m_storedPages.end());
    m_storedPages.erase(std::unique(m_storedPages.begin(), m_storedPages.end()), m_storedPages.end());
    m_compactStoredPagesAt = std::max(kCompactStoredPagesAt, 2 * m_storedPages.size()); // amortized
}

void Vcpu::Impl::invalidateStoredCode()
{
    // The engine no longer sees guest stores, so it no longer drops translated code at each store the way
    // QEMU's self-modifying-code check did; the architecture asks the guest for an IC instruction after
    // writing instructions (Arm ARM B2.4.4), and that is when the engine forgets what it translated from
    // the pages written since the last one.
    compactStoredPages();
    if (m_broadcast && !m_storedPages.empty())
        m_broadcast(BroadcastMaintenance{false, m_storedPages});
    invalidateTranslatedCode(std::move(m_storedPages));
    m_storedPages.clear();
    m_compactStoredPagesAt = kCompactStoredPagesAt;
    m_lastStoredPage = ~std::uint64_t{0};
}

void Vcpu::Impl::onMemorySplit(uc_mem_type type, std::uint64_t address, int size, std::int64_t value)
{
    // Split at the page boundary: each page has its own translation.
    const auto first = static_cast<int>(0x1000 - (address & 0xfff));
    onMemory(type, address, first, value);
    onMemory(type, address + static_cast<std::uint64_t>(first), size - first,
             static_cast<std::int64_t>(static_cast<std::uint64_t>(value) >> (8 * first)));
}

bool Vcpu::Impl::onUnmapped(uc_mem_type type, std::uint64_t address)
{
    // Every VA the guest's stage 1 can produce has an engine region (RAM, a board region, or a placeholder:
    // vcpu_engine_state.cpp); what reaches this hook lies outside both halves of the VA space, or on the page
    // kept free for flushing the engine's TLB. A stage-1 fault here is precise (the engine aborts the
    // access and run() delivers it); anything else stops the vCPU.
    if (m_stopRequested)
        return false;
    const auto where = translate(address, /*collectFaults=*/true);
    if (!where) {
        if (m_collectedFault)
            m_pendingAbort = PendingAbort{address, m_collectedFault->level, m_collectedFault->kind,
                                          type == UC_MEM_FETCH_UNMAPPED, type == UC_MEM_WRITE_UNMAPPED,
                                          m_collectedFault->reason};
        m_collectedFault.reset();
        return false;
    }
    stop(VcpuStop::Fault, fmt::format("VA {:#x} (IPA {:#x}) has no region in the CPU engine", address, where->ipa));
    return false;
}

bool Vcpu::Impl::onFetchFromPlaceholder(std::uint64_t address)
{
    // Placeholders are not executable to the engine (an MMIO region has no execute permission): the engine
    // asks here once per translated block fetched from a VA outside RAM and the board. Its MMU then fetches
    // from the IPA the guest's tables give.
    if (m_stopRequested)
        return false;
    const auto where = translate(address, /*collectFaults=*/true);
    if (!where) {
        if (m_collectedFault)
            m_pendingAbort = PendingAbort{address, m_collectedFault->level, m_collectedFault->kind, true, false,
                                          m_collectedFault->reason};
        m_collectedFault.reset();
        return false;
    }
    return true;
}

void Vcpu::Impl::collectAbort(std::uint64_t address, bool write)
{
    if (m_collectedFault && !m_stopRequested)
        m_pendingAbort = PendingAbort{address, m_collectedFault->level, m_collectedFault->kind, false, write,
                                      m_collectedFault->reason};
    m_collectedFault.reset();
}

void Vcpu::Impl::abortNotTaken()
{
    const PendingAbort abort = *m_pendingAbort;
    m_pendingAbort.reset();
    // The descriptor the model's walk faulted on, as the engine's walk reads it (the mirror).
    std::string engineView;
    unsigned level = stage1StartLevel(m_stage1, abort.address);
    walkStage1(m_stage1, abort.address, [&](std::uint64_t tableIpa) -> std::uint64_t {
        std::uint64_t descriptor = 0;
        if (inRamWindow(tableIpa) && inRamWindow(tableIpa + 7))
            std::memcpy(&descriptor, engineBytes(tableIpa), 8);
        else if (const std::uint8_t* rom = romBytes(tableIpa, 8))
            std::memcpy(&descriptor, rom, 8);
        if (level++ == abort.level)
            engineView = fmt::format(" (the engine's walk read {:#x} from IPA {:#x})", descriptor, tableIpa);
        return descriptor;
    });
    stop(VcpuStop::Fault, fmt::format("stage-1 {} fault for VA {:#x} at level {}: {}; the model's walk, which reads "
                                      "the tables through the caches, faulted where the engine's walk, which "
                                      "reads the latest writes, did not: the tables the guest's walks see are "
                                      "stale{}",
                                      toString(abort.kind), abort.address, abort.level, abort.reason, engineView));
}

void Vcpu::Impl::onEngineAbort(bool instructionFetch)
{
    if (!m_pendingAbort) {
        // The engine's MMU faulted where no hook saw a fault coming: an instruction fetch (fetches from a
        // VA the engine has a region at reach no hook), or a permission the model does not check (EL0's
        // AP[1], execute-never). The model's walk names the fault if it is a translation or access flag
        // fault; otherwise it is a permission fault on the leaf.
        const std::uint64_t address = instructionFetch ? reg(UC_ARM64_REG_PC) : m_lastDataAccess.address;
        const auto where = translate(address, /*collectFaults=*/true);
        PendingAbort abort{address, where ? where->level : 0, Stage1FaultKind::Permission, instructionFetch,
                           !instructionFetch && m_lastDataAccess.write, "a permission the engine's MMU enforces"};
        if (m_collectedFault)
            abort = PendingAbort{address, m_collectedFault->level, m_collectedFault->kind, instructionFetch,
                                 abort.write, m_collectedFault->reason};
        m_collectedFault.reset();
        if (m_stopRequested)
            return;
        m_pendingAbort = abort;
    }
    deliverPendingAbort();
}

} // namespace vcm::hyp::cpu

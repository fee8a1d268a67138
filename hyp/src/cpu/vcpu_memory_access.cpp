// The vCPU's data side: stage-1 and stage-2 translation with the software TLB, loads and stores through the
// memory model, engine aliases of non-identity mappings, and dropping code translated from written pages.
#include "vcpu_impl.h"

namespace vcm::hyp::cpu {

std::optional<DataTranslation> Vcpu::Impl::translateSlow(std::uint64_t va)
{
    const std::uint64_t vaPage = va & kPageMask;
    FastTranslation& fast = m_fast[(va >> 12) % m_fast.size()];
    std::uint64_t ipa = va;
    std::uint8_t mairAttr = 0;
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
                if (m_collectStage1Fault) { // onUnmapped delivers it to the guest as an abort
                    m_stage1FaultLevel = walk.fault->level;
                    return std::nullopt;
                }
                stop(VcpuStop::Fault, fmt::format("stage-1 translation fault for VA {:#x} at level {}: {}", va,
                                                  walk.fault->level, walk.fault->reason));
                return std::nullopt;
            }
            it = m_tlb.emplace(va >> 12, TlbEntry{walk.result->ipa & kPageMask, walk.result->mairAttr}).first;
        }
        ipa = it->second.ipaPage | (va & 0xfff);
        mairAttr = it->second.mairAttr;
    }
    auto s2 = m_space.translate(ipa);
    if (!s2 && m_config.board != nullptr) {
        if (const board::BoardRegion* region = m_config.board->find(ipa)) {
            // Outside stage-2 RAM: ROM or a device, with the memory type stage 1 gives it (its ROM bytes are
            // never cached by the model, see board_bus.h).
            const MemoryType type = combineStages(stage1DataType(m_stage1.sctlr, m_hcr.dc, mairAttr),
                                                  Stage2MemoryKind::Mmio, false);
            fast = {vaPage, 0, ipa & kPageMask, m_space.generation(), type, region};
            return DataTranslation{0, type, ipa, region};
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
    const MemoryType s1 = stage1DataType(m_stage1.sctlr, m_hcr.dc, mairAttr);
    const DataTranslation result{s2->address, combineStages(s1, s2->kind, m_hcr.fwb), ipa};
    fast = {vaPage, s2->address & kPageMask, ipa & kPageMask, m_space.generation(), result.type};
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
    const std::uint64_t page = address & kPageMask;
    if (page != m_lastStoredPage) {
        m_lastStoredPage = page;
        m_storedPages.push_back(page);
        if (m_storedPages.size() > m_compactStoredPagesAt)
            compactStoredPages();
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
    for (std::uint64_t page : m_storedPages)
        uc_ctl_remove_cache(m_uc, page, page + 0x1000);
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
    // The engine maps only the RAM window at its IPAs. A VA elsewhere that the guest's stage 1 maps onto
    // RAM becomes an alias of that mirror page (and the access is retried); anything else is a stage-1 or
    // stage-2 fault, which translate() reports, or an IPA the model does not emulate (MMIO).
    // A stage-1 fault here is precise: the engine aborts the access (the instruction does not complete) and
    // run() delivers it to the guest as a data or instruction abort.
    m_collectStage1Fault = true;
    m_stage1FaultLevel.reset();
    const auto where = translate(address);
    m_collectStage1Fault = false;
    if (!where) {
        if (m_stage1FaultLevel && !m_stopRequested)
            m_pendingAbort = PendingAbort{address, *m_stage1FaultLevel, type == UC_MEM_FETCH_UNMAPPED,
                                          type == UC_MEM_WRITE_UNMAPPED};
        return false;
    }
    if (where->region != nullptr) {
        // A VA mapped by stage 1 onto a board region: an alias of the region's page, as for RAM below.
        const std::uint64_t vaPage = address & kPageMask;
        if (!mapMirror(vaPage, 0x1000, boardBytes(*where->region, where->ipa & kPageMask))) {
            stop(VcpuStop::Fault, fmt::format("cannot map VA {:#x} as an alias of {} at IPA {:#x}", vaPage,
                                              where->region->name, where->ipa));
            return false;
        }
        m_aliases.push_back(vaPage);
        return true;
    }
    if (!inRamWindow(where->ipa) || inRamWindow(address)) {
        stop(VcpuStop::Fault, fmt::format("{} at {:#x} (IPA {:#x}): outside the guest RAM window (MMIO is not "
                                          "modelled)",
                                          type == UC_MEM_FETCH_UNMAPPED ? "instruction fetch" : "data access",
                                          address, where->ipa));
        return false;
    }
    const std::uint64_t vaPage = address & kPageMask;
    if (!mapMirror(vaPage, 0x1000, m_mirror + ((where->ipa & kPageMask) - m_config.ramIpa))) {
        stop(VcpuStop::Fault, fmt::format("cannot map VA {:#x} as an alias of IPA {:#x}", vaPage, where->ipa));
        return false;
    }
    m_aliases.push_back(vaPage);
    return true;
}

void Vcpu::Impl::dropAliases()
{
    for (std::uint64_t page : m_aliases)
        uc_mem_unmap(m_uc, page, 0x1000);
    m_aliases.clear();
    m_aliasesStale = false;
}

} // namespace vcm::hyp::cpu

// Cache maintenance: by address (one line, or a range over the resident pages), by set/way, and its reports.
#include "memory_system_impl.h"

#include "vcm/hyp/memory/set_way_operand.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace vcm::hyp::memory {

// --------------------------------------------------------------------------------------------------
// Maintenance

MaintenanceResult MemorySystem::Impl::lineOp(ByAddressOp op, std::uint64_t line, MemoryType type)
{
    MaintenanceResult result;
    result.linesIssued = 1;
    result.cost = m_costs.maintenancePerLine;
    switch (op) {
    case ByAddressOp::CleanToPoC:
    case ByAddressOp::CleanInvalidateToPoC: {
        if (auto owner = findDirty(line)) {
            // Clean to the PoC: the dirty data passes through every level below and reaches RAM; every
            // copy then holds it (a copy below the owner was older, one elsewhere was equal).
            LineBuffer buffer;
            copyOut(owner->idx, owner->slot, buffer);
            m_caches[owner->idx].setDirty(owner->slot, false);
            m_caches[owner->idx].setExclusive(owner->slot, false);
            for (std::size_t idx = 0; idx < m_caches.size(); ++idx)
                if (const std::uint32_t slot = m_caches[idx].find(line); slot != CacheArray::kMiss && idx != owner->idx) {
                    std::memcpy(m_caches[idx].data(slot).data(), buffer.data.data(), m_lineBytes);
                    std::copy_n(buffer.versions.begin(), m_wordsPerLine, m_caches[idx].versions(slot).begin());
                }
            writeBackToRam(owner->idx, line, buffer.data.data(), buffer.versions.data());
            ++result.linesCleaned;
            result.cost += m_costs.dirtyWriteBack;
        }
        if (op == ByAddressOp::CleanInvalidateToPoC)
            for (std::size_t idx = 0; idx < m_caches.size(); ++idx)
                if (const std::uint32_t slot = m_caches[idx].find(line); slot != CacheArray::kMiss) {
                    dropCopy(idx, slot);
                    ++result.linesInvalidated;
                }
        break;
    }
    case ByAddressOp::InvalidateToPoC:
        for (std::size_t idx = 0; idx < m_caches.size(); ++idx)
            if (const std::uint32_t slot = m_caches[idx].find(line); slot != CacheArray::kMiss) {
                if (m_caches[idx].dirty(slot))
                    ++result.dirtyDiscarded;
                dropCopy(idx, slot);
                ++result.linesInvalidated;
            }
        break;
    case ByAddressOp::CleanToPoU:
        // The PoU is the cluster L2 (LoUU = LoUIS = 1): only a dirty L1 copy has anything to clean.
        if (auto owner = findDirty(line); owner && isL1(owner->idx)) {
            cleanSlotOneLevel(owner->idx, owner->slot);
            ++result.linesCleaned;
            result.cost += m_costs.dirtyWriteBack;
        }
        break;
    case ByAddressOp::ZeroBlock: {
        // DC ZVA writes zeros to the block (DCZID_EL0.BS = one line here) with the address's type. It is
        // a store; the caller converts Device memory into the alignment fault the Arm ARM requires.
        const std::array<std::uint8_t, kMaxLineBytes> zeros{};
        const Version version = ++m_lastVersion;
        Cycles cost = 0;
        writeChunk(*m_op.agent, addressOf(line), zeros.data(), m_lineBytes, type, version, cost);
        result.cost += cost;
        break;
    }
    }
    return result;
}

// --------------------------------------------------------------------------------------------------
// Public interface

void MemorySystem::pauseMaintenanceReports()
{
    ++m_impl->m_maintenanceReportPauses;
}

void MemorySystem::resumeMaintenanceReports()
{
    --m_impl->m_maintenanceReportPauses;
}

void MemorySystem::Impl::reportMaintenance(AgentId agent, bool bySetWay, std::uint8_t op, PhysAddr address,
                                           std::uint64_t bytes, const MaintenanceResult& result)
{
    if (m_listener == nullptr || m_maintenanceReportPauses != 0)
        return;
    MaintenanceReport report;
    report.time = m_op.time;
    report.agent = agent;
    report.core = m_op.core;
    report.bySetWay = bySetWay;
    report.op = op;
    report.address = address;
    report.bytes = bytes;
    report.linesCleaned = result.linesCleaned;
    report.linesInvalidated = result.linesInvalidated;
    report.dirtyDiscarded = result.dirtyDiscarded;
    m_listener->onMaintenance(report);
}

MaintenanceResult MemorySystem::maintainByAddress(AgentId agent, ByAddressOp op, PhysAddr address, MemoryType type)
{
    Impl& impl = *m_impl;
    impl.begin(toString(op), agent, impl.agentInfo(agent).core);
    const std::uint64_t line = impl.lineOf(address);
    MaintenanceResult result = impl.lineOp(op, line, type);
    impl.charge(result.cost);
    impl.reportMaintenance(agent, false, static_cast<std::uint8_t>(op), impl.addressOf(line), impl.m_lineBytes, result);
    return result;
}

MaintenanceResult MemorySystem::maintainRange(AgentId agent, ByAddressOp op, PhysAddr base, std::uint64_t length)
{
    Impl& impl = *m_impl;
    if (op == ByAddressOp::ZeroBlock)
        throw std::invalid_argument("maintainRange: DC ZVA is a store; write the zeros instead");
    impl.begin(toString(op), agent, impl.agentInfo(agent).core);
    MaintenanceResult result;
    if (length == 0)
        return result;
    const std::uint64_t firstLine = impl.lineOf(base);
    const std::uint64_t endLine = impl.lineOf(base + length - 1) + 1;
    result.linesIssued = endLine - firstLine;
    result.cost = result.linesIssued * impl.m_costs.maintenancePerLine;

    // Only pages with a cached line can be affected: walk those, in address order, and then only the
    // lines of each page that are inside the range. The list is copied because the operations change it.
    const std::uint64_t firstPage = impl.addressOf(firstLine) >> kPageShift;
    const std::uint64_t endPage = ((impl.addressOf(endLine) - 1) >> kPageShift) + 1;
    std::vector<std::uint64_t> pages;
    for (auto it = impl.m_residentPerPage.lower_bound(firstPage);
         it != impl.m_residentPerPage.end() && it->first < endPage; ++it)
        pages.push_back(it->first);
    const std::uint64_t linesPerPage = kPageBytes >> impl.m_lineShift;
    for (std::uint64_t page : pages) {
        const std::uint64_t pageFirstLine = std::max(firstLine, page * linesPerPage);
        const std::uint64_t pageEndLine = std::min(endLine, (page + 1) * linesPerPage);
        for (std::uint64_t line = pageFirstLine; line < pageEndLine; ++line) {
            if (!impl.pageResident(page))
                break;
            const MaintenanceResult one = impl.lineOp(op, line, MemoryType::NormalWriteBack);
            result.linesCleaned += one.linesCleaned;
            result.linesInvalidated += one.linesInvalidated;
            result.dirtyDiscarded += one.dirtyDiscarded;
            result.cost += one.cost - impl.m_costs.maintenancePerLine; // issue cost already counted
        }
    }
    impl.charge(result.cost);
    impl.reportMaintenance(agent, false, static_cast<std::uint8_t>(op), impl.addressOf(firstLine),
                           impl.addressOf(endLine) - impl.addressOf(firstLine), result);
    return result;
}

MaintenanceResult MemorySystem::maintainBySetWay(AgentId agent, SetWayOp op, std::uint64_t operand)
{
    Impl& impl = *m_impl;
    const AgentInfo& info = impl.agentInfo(agent);
    if (!info.core)
        throw std::invalid_argument(fmt::format("agent {} has no core to run DC {} on", info.name, toString(op)));
    impl.begin(toString(op), agent, info.core);
    MaintenanceResult result;
    result.linesIssued = 1;
    result.cost = impl.m_costs.maintenancePerLine;
    const DecodedSetWay decoded = decodeSetWay(operand, impl.m_topology);
    if (!decoded.inRange) {
        // CONSTRAINED UNPREDICTABLE (Arm ARM D7.5.9.2): this model performs maintenance on no line.
        result.outOfRange = true;
    } else {
        const std::size_t idx = decoded.operand.level == 1 ? impl.l1Index(*info.core)
                                                           : impl.l2Index(impl.m_topology.clusterOf(*info.core));
        CacheArray& cache = impl.m_caches[idx];
        const std::uint32_t slot = decoded.operand.set * cache.ways() + decoded.operand.way;
        if (cache.valid(slot)) {
            const bool dirty = cache.dirty(slot);
            // "Clean by set/way cleans from the level specified through to at least the next level"
            // (D7.5.8.2.2): L1 -> cluster L2, L2 -> system cache (which set/way never reaches itself).
            if (op != SetWayOp::Invalidate && dirty) {
                impl.cleanSlotOneLevel(idx, slot);
                ++result.linesCleaned;
                result.cost += impl.m_costs.dirtyWriteBack;
            }
            if (op != SetWayOp::Clean) {
                if (op == SetWayOp::Invalidate && dirty)
                    ++result.dirtyDiscarded;
                impl.dropCopy(idx, slot);
                ++result.linesInvalidated;
            }
        }
    }
    impl.charge(result.cost);
    impl.reportMaintenance(agent, true, static_cast<std::uint8_t>(op), operand, 0, result);
    return result;
}

} // namespace vcm::hyp::memory

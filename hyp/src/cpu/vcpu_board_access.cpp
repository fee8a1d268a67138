// The vCPU's side of the board: the engine's view of ROM and device regions, and the device accesses EL2
// emulates (on hardware, a stage-2 data abort whose syndrome names the access: KVM's io_mem_abort, Xen's
// try_handle_mmio).
#include "vcpu_impl.h"

#include <sys/mman.h>

namespace vcm::hyp::cpu {

void Vcpu::Impl::mapBoard()
{
    if (m_config.board == nullptr)
        return;
    const auto& regions = m_config.board->regions();
    m_deviceWindows.assign(regions.size(), nullptr);
    auto release = [&] { releaseDeviceWindows(); };
    for (const board::BoardRegion& region : regions) {
        std::uint8_t* host = region.bytes;
        if (region.kind == board::RegionKind::Mmio) {
            void* window = mmap(nullptr, region.size, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (window == MAP_FAILED) {
                release();
                throw std::runtime_error(fmt::format("{}: cannot reserve the window of {}", m_config.name, region.name));
            }
            host = m_deviceWindows[region.index] = static_cast<std::uint8_t*>(window);
        }
        if (!mapMirror(region.base, region.size, host)) {
            release();
            throw std::runtime_error(fmt::format("{}: cannot map {} at {:#x} into the CPU engine (does it overlap "
                                                 "guest RAM?)",
                                                 m_config.name, region.name, region.base));
        }
    }
}

void Vcpu::Impl::releaseDeviceWindows()
{
    if (m_config.board == nullptr)
        return;
    for (const board::BoardRegion& r : m_config.board->regions())
        if (r.index < m_deviceWindows.size() && m_deviceWindows[r.index] != nullptr)
            munmap(m_deviceWindows[r.index], r.size);
    m_deviceWindows.clear();
}

void Vcpu::Impl::onBoardAccess(uc_mem_type type, std::uint32_t length, std::int64_t value,
                               const DataTranslation& where)
{
    const board::BoardRegion& region = *where.region;
    const bool read = type == UC_MEM_READ;
    if (read && region.kind == board::RegionKind::Rom && (region.device == nullptr || region.device->readsArray()))
        return; // the engine reads the ROM itself: no trap, as from a read-only memslot
    if (length > 8) {
        stop(VcpuStop::Fault, fmt::format("a {}-byte access to {} at IPA {:#x}: devices take 1 to 8 bytes", length,
                                          region.name, where.ipa));
        return;
    }
    ++m_trapsTaken;
    ++m_trapCounts.mmio;
    if (region.device == nullptr || region.device->costsTrapTime())
        m_self.chargeHypervisor(m_config.trapEntryExit);
    const std::uint64_t offset = where.ipa - region.base;
    std::uint64_t data = static_cast<std::uint64_t>(value);
    if (length < 8)
        data &= (std::uint64_t{1} << (8 * length)) - 1;
    if (region.device == nullptr) {
        if (read || region.kind != board::RegionKind::Rom) {
            stop(VcpuStop::Fault, fmt::format("{} at IPA {:#x} in {}: no device model answers it",
                                              read ? "a load" : "a store", where.ipa, region.name));
            return;
        }
    } else if (read) {
        data = region.device->read(offset, length, board::MmioAccess{m_config.index, m_self.nowNs(), this});
        // The engine loads it from there next. A ROM's device (a flash bank in a command) has placed its answer
        // in the ROM's bytes itself, and puts the array back at its next access (CfiFlash::lend).
        if (region.kind == board::RegionKind::Mmio)
            std::memcpy(boardBytes(region, where.ipa), &data, length);
    } else {
        region.device->write(offset, length, data, board::MmioAccess{m_config.index, m_self.nowNs(), this});
        // A write may raise this vCPU's IRQ (an end of interrupt uncovering the next, an SGI to itself): it is
        // taken as soon as PSTATE.I allows.
        if (m_interrupts != nullptr && m_interrupts->irqSignalled(m_config.index))
            m_irqWaiting = true;
    }
    // detail: the region, the direction and the size, so a trace reader tells a UART poll from a flash command.
    const std::uint32_t detail = (region.index << 8) | (read ? 0u : 0x80u) | length;
    emitTrap(tracer::TrapKind::Mmio, detail, where.ipa, 0, data);
}

} // namespace vcm::hyp::cpu

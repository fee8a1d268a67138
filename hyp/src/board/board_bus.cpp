// The board's regions: placement checks and the host memory behind ROM.
#include "vcm/hyp/board/board_bus.h"

#include <fmt/core.h>
#include <sys/mman.h>

#include <cstring>
#include <stdexcept>

namespace vcm::hyp::board {

BoardBus::~BoardBus()
{
    for (const BoardRegion& r : m_regions)
        if (r.bytes != nullptr)
            munmap(r.bytes, r.size);
}

void BoardBus::checkPlacement(const std::string& name, std::uint64_t base, std::uint64_t size) const
{
    if (size == 0 || (base & 0xfff) != 0 || (size & 0xfff) != 0)
        throw std::invalid_argument(fmt::format("board region {}: [{:#x}, +{:#x}) is not whole 4 KiB pages", name,
                                                base, size));
    for (const BoardRegion& r : m_regions)
        if (base < r.base + r.size && r.base < base + size)
            throw std::invalid_argument(fmt::format("board region {} at {:#x} overlaps {} at {:#x}", name, base,
                                                    r.name, r.base));
}

std::span<std::uint8_t> BoardBus::addRom(std::string name, std::uint64_t base, std::uint64_t size, std::span<const std::uint8_t> contents,
                      MmioDevice* writes)
{
    checkPlacement(name, base, size);
    if (contents.size() > size)
        throw std::invalid_argument(fmt::format("board region {}: {} bytes do not fit its {} bytes", name,
                                                contents.size(), size));
    void* bytes = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (bytes == MAP_FAILED)
        throw std::runtime_error(fmt::format("board region {}: cannot reserve {} bytes", name, size));
    auto* rom = static_cast<std::uint8_t*>(bytes);
    if (!contents.empty()) // an empty span's data() may be null, which memcpy must not be given
        std::memcpy(rom, contents.data(), contents.size());
    // The rest reads as zeros: filling 64 MiB banks with erased-flash ones (0xff) would commit them whole, and
    // no guest here depends on it (U-Boot finds no valid environment either way).
    m_regions.push_back({std::move(name), base, size, RegionKind::Rom, static_cast<std::uint32_t>(m_regions.size()),
                         rom, writes});
    return {rom, size};
}

void BoardBus::addMmio(std::string name, std::uint64_t base, std::uint64_t size, MmioDevice* device)
{
    checkPlacement(name, base, size);
    m_regions.push_back({std::move(name), base, size, RegionKind::Mmio, static_cast<std::uint32_t>(m_regions.size()),
                         nullptr, device});
}

void BoardBus::connect(const std::string& name, MmioDevice* device)
{
    for (BoardRegion& r : m_regions)
        if (r.name == name) {
            r.device = device;
            return;
        }
    throw std::invalid_argument(fmt::format("board region {}: no such region to connect a device to", name));
}

} // namespace vcm::hyp::board

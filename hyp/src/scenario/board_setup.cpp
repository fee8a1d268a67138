// A board VM's firmware, device tree, images and console for one run.
#include "board_setup.h"

#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/hyp/toolstack.h"

#include <fmt/core.h>
#include <fmt/std.h>

#include <algorithm>
#include <fstream>
#include <unistd.h>
#include <functional>

namespace vcm::hyp::scenario {
namespace {

constexpr std::uint64_t kDeviceTreeRoom = 64 * 1024; // at the RAM base, before any image

using Failure = std::function<ScenarioError(const std::string&)>;

std::uint64_t readLe(const std::vector<std::uint8_t>& bytes, std::size_t at, std::size_t size)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i)
        value |= std::uint64_t{bytes[at + i]} << (8 * i);
    return value;
}

// The arm64 Image header (Documentation/arm64/booting.rst): the magic "ARM\x64" at byte 56, the load offset
// from a 2 MiB-aligned base at 8, the bytes the kernel occupies from there (BSS included) at 16, and flags at
// 24 (bit 0: big-endian). Returns the bytes it occupies.
std::uint64_t checkArm64Image(const GuestImage& image, std::uint64_t ipa, const Failure& fail)
{
    constexpr std::uint32_t kMagic = 0x644d'5241;
    constexpr std::uint64_t kAlignment = 2u << 20;
    if (image.bytes.size() < 64 || readLe(image.bytes, 56, 4) != kMagic)
        throw fail(fmt::format("kernel {} is not an arm64 Image: no \"ARM\\x64\" magic at byte 56 of its header "
                               "(a compressed vmlinuz, or not a kernel?)",
                               image.path));
    const std::uint64_t textOffset = readLe(image.bytes, 8, 8);
    const std::uint64_t imageSize = readLe(image.bytes, 16, 8);
    const std::uint64_t flags = readLe(image.bytes, 24, 8);
    if ((flags & 1) != 0)
        throw fail(fmt::format("kernel {} is a big-endian Image (header flags {:#x}): the guest runs little-endian",
                               image.path, flags));
    if ((ipa - textOffset) % kAlignment != 0)
        throw fail(fmt::format("kernel {} must be placed {:#x} bytes above a 2 MiB boundary (its Image header's "
                               "text_offset), not at IPA {:#x}",
                               image.path, textOffset, ipa));
    return std::max<std::uint64_t>(imageSize, image.bytes.size());
}

// An initramfs the kernel unpacks: a cpio "newc" archive, or one compressed with gzip, xz or zstd.
void checkInitramfs(const GuestImage& image, const Failure& fail)
{
    const auto startsWith = [&](std::initializer_list<std::uint8_t> magic) {
        return image.bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), image.bytes.begin());
    };
    const bool cpio = startsWith({'0', '7', '0', '7', '0', '1'}) || startsWith({'0', '7', '0', '7', '0', '2'});
    const bool compressed = startsWith({0x1f, 0x8b}) || startsWith({0xfd, '7', 'z', 'X', 'Z', 0x00}) ||
                            startsWith({0x28, 0xb5, 0x2f, 0xfd});
    if (!cpio && !compressed)
        throw fail(fmt::format("initrd {} is not an initramfs: expected a cpio newc archive (\"070701\") or one "
                               "compressed with gzip, xz or zstd",
                               image.path));
}

} // namespace

BoardSetup::BoardSetup(const Scenario& scenario, const VmPlan& plan, const std::filesystem::path& guestDirectory)
    : m_plan(plan)
{
    const BoardPlan& board = *plan.board;
    const Failure fail = [&](const std::string& what) {
        return ScenarioError(fmt::format("{}: vm {}: {}", scenario.file.string(), plan.spec.name, what));
    };
    const auto packageHint = [](const std::string& package) {
        return package.empty() ? std::string()
                               : fmt::format(" (it comes with Debian's {} package: run scripts/install-deps.sh)",
                                             package);
    };
    if (!board.firmware.empty() && !std::filesystem::exists(board.firmware))
        throw fail(fmt::format("firmware {} does not exist{}", board.firmware, packageHint(board.firmwarePackage)));
    if (!board.flash1.empty() && !std::filesystem::exists(board.flash1))
        throw fail(fmt::format("flash1 image {} does not exist{}", board.flash1, packageHint(board.flash1Package)));
    try {
        if (!board.firmware.empty())
            m_firmware = GuestImage::load(board.firmware, board::virt::kFlashBankBytes, "flash bank 0 holds");
        if (!board.flash1.empty())
            m_flash1 = GuestImage::load(board.flash1, board::virt::kFlashBankBytes, "flash bank 1 holds");
        if (board.kernel) {
            const std::filesystem::path kernel = guestImagePath(board.kernel->file, guestDirectory);
            if (!std::filesystem::exists(kernel))
                throw fail(fmt::format("kernel {} does not exist{}", kernel, packageHint(board.kernelPackage)));
            m_kernel = GuestImage::load(kernel, plan.spec.ramBytes, "guest RAM holds");
        }
        if (board.initrd)
            m_initrd = GuestImage::load(guestImagePath(board.initrd->file, guestDirectory), plan.spec.ramBytes,
                                        "guest RAM holds");
        if (!board.deviceTree.empty())
            m_deviceTree = GuestImage::load(board.deviceTree, kDeviceTreeRoom, "the device tree's room holds");
    } catch (const GuestImageError& e) {
        throw fail(e.what());
    }
    if (m_deviceTree)
        if (const auto problem = board::deviceTreeProblem(m_deviceTree->bytes))
            throw fail(fmt::format("device tree {}: {}", m_deviceTree->path, *problem));
    // The device tree takes the first 64 KiB of RAM at most; images must lie inside RAM and clear of it.
    const std::uint64_t ramEnd = board::virt::kRamBase + plan.spec.ramBytes;
    const auto checkPlacement = [&](const char* role, const BoardImage& placed, const GuestImage& image) {
        if (placed.ipa < board::virt::kRamBase + kDeviceTreeRoom || placed.ipa + image.bytes.size() > ramEnd)
            throw fail(fmt::format("{} {} ({} bytes) at IPA {:#x} must lie in RAM [{:#x}, {:#x}), after the device "
                                   "tree's first {} KiB",
                                   role, image.path, image.bytes.size(), placed.ipa, board::virt::kRamBase, ramEnd,
                                   kDeviceTreeRoom >> 10));
    };
    if (m_kernel)
        checkPlacement("kernel", *board.kernel, *m_kernel);
    if (m_initrd)
        checkPlacement("initrd", *board.initrd, *m_initrd);
    // Booted directly, the kernel is an arm64 Image (Documentation/arm64/booting.rst) and the initrd an
    // initramfs; a firmware would have checked as much itself.
    std::uint64_t kernelBytes = m_kernel ? m_kernel->bytes.size() : 0;
    if (directBoot()) {
        kernelBytes = checkArm64Image(*m_kernel, board.kernel->ipa, fail);
        if (board.kernel->ipa + kernelBytes > ramEnd)
            throw fail(fmt::format("kernel {} needs {} bytes from IPA {:#x} (its Image header's image_size), past the "
                                   "end of RAM at {:#x}",
                                   m_kernel->path, kernelBytes, board.kernel->ipa, ramEnd));
        if (m_initrd)
            checkInitramfs(*m_initrd, fail);
    }
    if (m_kernel && m_initrd) {
        const std::uint64_t kernelEnd = board.kernel->ipa + kernelBytes;
        const std::uint64_t initrdEnd = board.initrd->ipa + m_initrd->bytes.size();
        if (board.kernel->ipa < initrdEnd && board.initrd->ipa < kernelEnd)
            throw fail(fmt::format("the kernel [{:#x}, {:#x}) and the initrd [{:#x}, {:#x}) overlap",
                                   board.kernel->ipa, kernelEnd, board.initrd->ipa, initrdEnd));
    }
    if (plan.spec.ramIpa != board::virt::kRamBase)
        throw fail(fmt::format("the virt board's RAM starts at {:#x}", board::virt::kRamBase));
    if (plan.spec.vcpuCores.size() > board::Gicv2::kMaxCpus)
        throw fail(fmt::format("{} vCPUs: the virt board's GICv2 serves at most {}", plan.spec.vcpuCores.size(),
                               board::Gicv2::kMaxCpus));
    m_board = std::make_unique<board::VirtBoard>(m_firmware ? std::span<const std::uint8_t>(m_firmware->bytes)
                                                            : std::span<const std::uint8_t>(),
                                                 static_cast<std::uint32_t>(plan.spec.vcpuCores.size()),
                                                 [this](char byte, std::uint64_t nowNs) { onConsoleByte(byte, nowNs); },
                                                 m_flash1 ? std::span<const std::uint8_t>(m_flash1->bytes)
                                                          : std::span<const std::uint8_t>());
    m_script = std::make_unique<board::ConsoleScript>(board.console, board.stopOnConsole);
}

BoardSetup::~BoardSetup() = default;

std::uint64_t BoardSetup::entry() const
{
    return directBoot() ? m_plan.board->kernel->ipa : board::virt::kFlash0Base;
}

void BoardSetup::load(Machine& machine, std::size_t vm, tracer::EventSink* events)
{
    m_machine = &machine;
    m_events = events;
    m_vmId = static_cast<std::uint32_t>(vm);
    const BoardPlan& board = *m_plan.board;
    board::VirtDeviceTreeConfig tree;
    tree.ramBytes = m_plan.spec.ramBytes;
    tree.cpus = static_cast<std::uint32_t>(m_plan.spec.vcpuCores.size());
    tree.bootargs = board.bootargs;
    if (m_initrd)
        tree.initrd = std::pair{board.initrd->ipa, board.initrd->ipa + m_initrd->bytes.size()};
    machine.loadImage(vm, board::virt::kRamBase, m_deviceTree ? m_deviceTree->bytes : board::buildVirtDeviceTree(tree));
    // The kernel and initrd go in the way the scenario's toolstack mode says: that is where seed 004's hazard
    // starts when the mode leaves them in a cache.
    if (m_kernel)
        Toolstack(machine, board.kernel->core).writeImage(vm, board.kernel->ipa, m_kernel->bytes, board.kernel->mode);
    if (m_initrd)
        Toolstack(machine, board.initrd->core).writeImage(vm, board.initrd->ipa, m_initrd->bytes, board.initrd->mode);
    // The toolstack writes through its own mapping; the vCPUs' instruction view of the kernel's pages is taken
    // from RAM as Machine::loadImage does (a kernel started in place runs what RAM holds).
    if (m_kernel)
        for (std::size_t i = 0; i < m_plan.spec.vcpuCores.size(); ++i)
            machine.vcpu(vm, i).refreshInstructions(board.kernel->ipa, m_kernel->bytes.size());
}

std::vector<const GuestImage*> BoardSetup::images() const
{
    std::vector<const GuestImage*> all;
    if (m_firmware)
        all.push_back(&*m_firmware);
    if (m_kernel)
        all.push_back(&*m_kernel);
    if (m_initrd)
        all.push_back(&*m_initrd);
    if (m_flash1)
        all.push_back(&*m_flash1);
    if (m_deviceTree)
        all.push_back(&*m_deviceTree);
    return all;
}

void BoardSetup::saveFlash1(const std::filesystem::path& path) const
{
    // Only a regular file (or none) is replaced: a device node or a directory named by mistake is refused, not
    // turned into a file.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        throw ScenarioError(fmt::format("--save-flash1 {}: not a regular file; flash bank 1 is saved to a file", path));
    const std::span<const std::uint8_t> bytes = m_board->flash(1).contents();
    const std::filesystem::path temporary = path.string() + fmt::format(".tmp-{}", ::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) {
            std::filesystem::remove(temporary, ec);
            throw ScenarioError(fmt::format("--save-flash1 {}: cannot write {}", path, temporary));
        }
    }
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::filesystem::remove(temporary, ec);
        throw ScenarioError(fmt::format("--save-flash1 {}: cannot rename {} over it: {}", path, temporary,
                                        ec.message()));
    }
}

void BoardSetup::attachConsole(const std::function<void(char)>& echo,
                               const std::function<void(board::Pl011Uart&)>& input)
{
    m_echo = echo;
    if (input)
        input(m_board->uart());
}

void BoardSetup::onConsoleByte(char byte, std::uint64_t nowNs)
{
    if (m_echo)
        m_echo(byte);
    m_console.push_back(byte);
    if (m_line.empty())
        m_lineNs = nowNs;
    if (byte != '\r')
        m_line.push_back(byte);
    if (byte == '\n')
        flushConsole();
    m_script->onOutput(byte, [this](const std::string& input) { m_board->uart().receive(input); });
    if (m_script->stopReached() && m_machine != nullptr)
        m_machine->requestStop();
}

void BoardSetup::flushConsole()
{
    if (m_line.empty())
        return;
    if (m_events != nullptr)
        m_events->console(m_lineNs, m_vmId, 0, m_line);
    m_line.clear();
}

std::string_view BoardSetup::lastConsoleLine() const
{
    std::string_view text(m_console);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    const auto start = text.find_last_of('\n');
    return start == std::string_view::npos ? text : text.substr(start + 1);
}

bool BoardSetup::stopReached() const
{
    return m_script->stopReached();
}

} // namespace vcm::hyp::scenario

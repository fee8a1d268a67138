// A board VM's firmware, device tree, images and console for one run.
#include "board_setup.h"

#include "vcm/hyp/toolstack.h"

#include <fmt/core.h>
#include <fmt/std.h>

namespace vcm::hyp::scenario {
namespace {

std::filesystem::path imagePath(const std::string& name, const std::filesystem::path& directory)
{
    if (name.find('/') != std::string::npos || name.ends_with(".bin"))
        return name;
    return directory / (name + ".bin");
}

} // namespace

BoardSetup::BoardSetup(const Scenario& scenario, const VmPlan& plan, const std::filesystem::path& guestDirectory)
    : m_scenario(scenario), m_plan(plan)
{
    const BoardPlan& board = *plan.board;
    const auto fail = [&](const std::string& what) {
        return ScenarioError(fmt::format("{}: vm {}: {}", scenario.file.string(), plan.spec.name, what));
    };
    if (!std::filesystem::exists(board.firmware))
        throw fail(fmt::format("firmware {} does not exist{}", board.firmware,
                               board.firmwarePackage.empty()
                                   ? ""
                                   : fmt::format(" (it comes with Debian's {} package: run scripts/install-deps.sh)",
                                                 board.firmwarePackage)));
    try {
        m_images.emplace_back("firmware", GuestImage::load(board.firmware, board::virt::kFlashBankBytes,
                                                           "flash bank 0 holds"));
        if (board.kernel)
            m_images.emplace_back("kernel", GuestImage::load(imagePath(board.kernel->file, guestDirectory),
                                                             plan.spec.ramBytes, "guest RAM holds"));
        if (board.initrd)
            m_images.emplace_back("initrd", GuestImage::load(imagePath(board.initrd->file, guestDirectory),
                                                             plan.spec.ramBytes, "guest RAM holds"));
    } catch (const GuestImageError& e) {
        throw fail(e.what());
    }
    // The device tree takes the first 64 KiB of RAM at most; images must lie inside RAM and clear of it.
    const std::uint64_t ramEnd = board::virt::kRamBase + plan.spec.ramBytes;
    constexpr std::uint64_t kDeviceTreeRoom = 64 * 1024;
    for (const auto& [role, image] : m_images) {
        if (role == "firmware")
            continue;
        const BoardImage& placed = role == "kernel" ? *board.kernel : *board.initrd;
        if (placed.ipa < board::virt::kRamBase + kDeviceTreeRoom || placed.ipa + image.bytes.size() > ramEnd)
            throw fail(fmt::format("{} {} ({} bytes) at IPA {:#x} must lie in RAM [{:#x}, {:#x}), after the device "
                                   "tree's first {} KiB",
                                   role, image.path, image.bytes.size(), placed.ipa, board::virt::kRamBase, ramEnd,
                                   kDeviceTreeRoom >> 10));
    }
    if (board.kernel && board.initrd) {
        const auto& k = *board.kernel;
        const auto& i = *board.initrd;
        const std::uint64_t kEnd = k.ipa + m_images[1].second.bytes.size();
        const std::uint64_t iEnd = i.ipa + m_images[2].second.bytes.size();
        if (k.ipa < iEnd && i.ipa < kEnd)
            throw fail(fmt::format("the kernel [{:#x}, {:#x}) and the initrd [{:#x}, {:#x}) overlap", k.ipa, kEnd,
                                   i.ipa, iEnd));
    }
    if (plan.spec.ramIpa != board::virt::kRamBase)
        throw fail(fmt::format("the virt board's RAM starts at {:#x}", board::virt::kRamBase));
    m_board = std::make_unique<board::VirtBoard>(m_images.front().second.bytes,
                                                 [this](char byte, std::uint64_t nowNs) { onConsoleByte(byte, nowNs); });
    m_script = std::make_unique<board::ConsoleScript>(board.console, board.stopOnConsole);
}

BoardSetup::~BoardSetup() = default;

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
    std::size_t next = 1;
    std::optional<std::pair<std::uint64_t, const GuestImage*>> kernel;
    if (board.kernel)
        kernel = std::pair{board.kernel->ipa, &m_images[next++].second};
    if (board.initrd) {
        const GuestImage& initrd = m_images[next].second;
        tree.initrd = std::pair{board.initrd->ipa, board.initrd->ipa + initrd.bytes.size()};
    }
    machine.loadImage(vm, board::virt::kRamBase, board::buildVirtDeviceTree(tree));
    // The kernel and initrd go in the way the scenario's toolstack mode says: that is where seed 004's hazard
    // starts when the mode leaves them in a cache.
    if (board.kernel) {
        Toolstack toolstack(machine, board.kernel->core);
        toolstack.writeImage(vm, board.kernel->ipa, kernel->second->bytes, board.kernel->mode);
    }
    if (board.initrd) {
        Toolstack toolstack(machine, board.initrd->core);
        toolstack.writeImage(vm, board.initrd->ipa, m_images[next].second.bytes, board.initrd->mode);
    }
    for (std::size_t i = 0; i < m_plan.spec.vcpuCores.size(); ++i)
        if (board.kernel || board.initrd)
            machine.vcpu(vm, i).refreshInstructions(board::virt::kRamBase, m_plan.spec.ramBytes);
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

bool BoardSetup::stopReached() const
{
    return m_script->stopReached();
}

} // namespace vcm::hyp::scenario

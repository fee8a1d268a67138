// A board VM's firmware, device tree, images and console for one run.
#include "board_setup.h"

#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/hyp/toolstack.h"

#include <fmt/core.h>
#include <fmt/std.h>

namespace vcm::hyp::scenario {

BoardSetup::BoardSetup(const Scenario& scenario, const VmPlan& plan, const std::filesystem::path& guestDirectory)
    : m_plan(plan)
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
        m_firmware = GuestImage::load(board.firmware, board::virt::kFlashBankBytes, "flash bank 0 holds");
        if (board.kernel)
            m_kernel = GuestImage::load(guestImagePath(board.kernel->file, guestDirectory), plan.spec.ramBytes,
                                        "guest RAM holds");
        if (board.initrd)
            m_initrd = GuestImage::load(guestImagePath(board.initrd->file, guestDirectory), plan.spec.ramBytes,
                                        "guest RAM holds");
    } catch (const GuestImageError& e) {
        throw fail(e.what());
    }
    // The device tree takes the first 64 KiB of RAM at most; images must lie inside RAM and clear of it.
    const std::uint64_t ramEnd = board::virt::kRamBase + plan.spec.ramBytes;
    constexpr std::uint64_t kDeviceTreeRoom = 64 * 1024;
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
    if (m_kernel && m_initrd) {
        const std::uint64_t kernelEnd = board.kernel->ipa + m_kernel->bytes.size();
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
    m_board = std::make_unique<board::VirtBoard>(m_firmware.bytes, static_cast<std::uint32_t>(plan.spec.vcpuCores.size()),
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
    if (m_initrd)
        tree.initrd = std::pair{board.initrd->ipa, board.initrd->ipa + m_initrd->bytes.size()};
    machine.loadImage(vm, board::virt::kRamBase, board::buildVirtDeviceTree(tree));
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
    std::vector<const GuestImage*> all{&m_firmware};
    if (m_kernel)
        all.push_back(&*m_kernel);
    if (m_initrd)
        all.push_back(&*m_initrd);
    return all;
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

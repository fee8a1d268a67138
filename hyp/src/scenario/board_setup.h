// A board VM's part of a run (scenario_run.cpp): the firmware read from its file, the virt board, the device
// tree at the start of RAM, the kernel and initrd the toolstack places, and the console: what the guest
// prints (kept, traced a line at a time, matched by the console script) and what it is sent.
#pragma once

#include "vcm/hyp/board/virt_board.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/machine.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/tracer/event_sink.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vcm::hyp::scenario {

class BoardSetup {
public:
    // Reads the firmware, kernel and initrd; throws ScenarioError naming the file and what was expected.
    BoardSetup(const Scenario& scenario, const VmPlan& plan, const std::filesystem::path& guestDirectory);
    ~BoardSetup();

    const board::BoardBus& bus() const { return m_board->bus(); }
    // No firmware: vCPU 0 starts in the kernel at its IPA with the device tree's address in x0 (QEMU's
    // -kernel); else in flash bank 0 (QEMU's -bios).
    bool directBoot() const { return !m_firmware; }
    std::uint64_t entry() const;
    std::uint64_t entryX0() const { return directBoot() ? board::virt::kRamBase : 0; }
    // The images the run loads (firmware, then kernel and initrd when given), for the run configuration.
    std::vector<const GuestImage*> images() const;

    // Once the VM exists: the device tree at the RAM base (as QEMU places it for -bios), the kernel and initrd
    // through the toolstack, and the console wired to `events` and to the script (whose stop text stops
    // `machine`).
    void load(Machine& machine, std::size_t vm, tracer::EventSink* events);
    // Interactive use: every transmitted byte also goes to `echo`; `input` is handed the UART.
    void attachConsole(const std::function<void(char)>& echo, const std::function<void(board::Pl011Uart&)>& input);
    // Lines not yet ended by a newline are traced too.
    void flushConsole();
    const std::string& console() const { return m_console; }
    // The line being printed, or the last one printed (for progress displays).
    std::string_view lastConsoleLine() const;
    bool stopReached() const;
    // Writes flash bank 1 as the guest left it to `path` (a temporary file renamed over it); throws
    // ScenarioError naming the file.
    void saveFlash1(const std::filesystem::path& path) const;

private:
    void onConsoleByte(char byte, std::uint64_t nowNs);

    const VmPlan& m_plan;
    std::optional<GuestImage> m_firmware; // none: the kernel is booted directly
    std::optional<GuestImage> m_kernel;
    std::optional<GuestImage> m_initrd;
    std::optional<GuestImage> m_flash1;
    std::optional<GuestImage> m_deviceTree; // the scenario's own blob (dtb), checked
    std::unique_ptr<board::VirtBoard> m_board;
    std::unique_ptr<board::ConsoleScript> m_script;
    Machine* m_machine = nullptr;
    tracer::EventSink* m_events = nullptr;
    std::uint32_t m_vmId = 0;
    std::function<void(char)> m_echo;
    std::string m_console;
    std::string m_line;
    std::uint64_t m_lineNs = 0;
};

} // namespace vcm::hyp::scenario

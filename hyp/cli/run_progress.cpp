// `vcm run`'s progress line and clean interruption (run_progress.h).
#include "run_progress.h"

#include <fmt/core.h>

#include <atomic>
#include <csignal>
#include <cstdio>

#include <unistd.h>

namespace vcm::hyp::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int signal)
{
    g_interrupted = true;
    std::signal(signal, SIG_DFL); // a second Ctrl-C ends the process at once
}

constexpr auto kQuietStart = std::chrono::seconds(2);
constexpr auto kRedraw = std::chrono::milliseconds(500);

} // namespace

RunProgress::RunProgress()
    : m_terminal(isatty(STDERR_FILENO) != 0), m_start(std::chrono::steady_clock::now()),
      m_nextDraw(m_start + kQuietStart)
{
    g_interrupted = false;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

RunProgress::~RunProgress()
{
    clear();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

bool RunProgress::interrupted() const
{
    return g_interrupted;
}

bool RunProgress::update(const hyp::scenario::RunHooks::Progress& progress)
{
    if (g_interrupted)
        return false;
    if (!m_terminal)
        return true;
    const auto now = std::chrono::steady_clock::now();
    if (now < m_nextDraw)
        return true;
    m_nextDraw = now + kRedraw;
    std::string line(progress.consoleLine.substr(0, 60));
    for (char& c : line)
        if (static_cast<unsigned char>(c) < 0x20)
            c = ' ';
    const double share = progress.budget == 0 ? 0.0
                                              : 100.0 * static_cast<double>(progress.instructions) /
                                                    static_cast<double>(progress.budget);
    fmt::print(stderr, "\r\x1b[Kvcm: {:.1f} M instructions ({:.0f}% of the budget), {:.3f} s virtual{}{}",
               static_cast<double>(progress.instructions) / 1e6, share, static_cast<double>(progress.virtualNs) / 1e9,
               line.empty() ? "" : " | ", line);
    std::fflush(stderr);
    m_drawn = true;
    return true;
}

void RunProgress::clear()
{
    if (!m_drawn)
        return;
    fmt::print(stderr, "\r\x1b[K");
    std::fflush(stderr);
    m_drawn = false;
}

} // namespace vcm::hyp::cli

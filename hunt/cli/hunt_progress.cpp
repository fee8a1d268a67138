#include "hunt_progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace vcm::hunt::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void onStop(int signal)
{
    g_stop = true;
    std::signal(signal, SIG_DFL); // a second Ctrl-C ends the process at once
}

constexpr auto kRedraw = std::chrono::milliseconds(250);

std::string duration(double seconds)
{
    if (seconds < 60)
        return fmt::format("{:.0f} s", seconds);
    const auto whole = static_cast<long>(seconds);
    if (seconds < 3600)
        return fmt::format("{} min {:02} s", whole / 60, whole % 60);
    return fmt::format("{:.1f} h", seconds / 3600);
}

} // namespace

HuntProgressLine::HuntProgressLine(std::vector<std::string> policies, bool quiet)
    : m_policies(std::move(policies)), m_quiet(quiet), m_terminal(::isatty(STDERR_FILENO) != 0),
      m_nextDraw(std::chrono::steady_clock::now())
{
    g_stop = false;
    std::signal(SIGINT, onStop);
    std::signal(SIGTERM, onStop);
}

HuntProgressLine::~HuntProgressLine()
{
    finish();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

bool HuntProgressLine::stopRequested()
{
    return g_stop;
}

std::string HuntProgressLine::line(const HuntProgress& p) const
{
    std::string failures;
    for (std::size_t i = 0; i < m_policies.size(); ++i)
        failures += fmt::format("{}{} {}", i == 0 ? "" : ", ", m_policies[i], p.failures[i]);
    const double rate = p.elapsedSeconds > 0 ? static_cast<double>(p.done) / p.elapsedSeconds : 0;
    std::string text = fmt::format("vcm hunt: {}/{} runs, failures: {}", p.done, p.total, failures);
    if (p.unfinished != 0)
        text += fmt::format(", {} unfinished", p.unfinished);
    text += fmt::format("; {:.1f} runs/s", rate);
    if (rate > 0 && p.done < p.total)
        text += ", ETA " + duration(static_cast<double>(p.total - p.done) / rate);
    return text;
}

void HuntProgressLine::update(const HuntProgress& p)
{
    if (m_quiet)
        return;
    // A run that did not finish is news whatever the display: its seed is what a developer needs.
    if (p.last != nullptr && p.last->unfinished()) {
        if (m_drawn)
            std::fputs("\r\033[K", stderr);
        m_drawn = false;
        fmt::print(stderr, "vcm hunt: {} seed {}: {}: {}\n", p.last->policy, p.last->seed, p.last->verdict,
                   p.last->detail);
    }
    if (m_terminal) {
        const auto now = std::chrono::steady_clock::now();
        if (now < m_nextDraw && p.done != p.total)
            return;
        m_nextDraw = now + kRedraw;
        fmt::print(stderr, "\r\033[K{}", line(p));
        m_drawn = true;
    } else if (p.done * 10 >= m_nextTenth * p.total) {
        while (p.done * 10 >= m_nextTenth * p.total)
            ++m_nextTenth;
        fmt::print(stderr, "{}\n", line(p));
    }
    std::fflush(stderr);
}

void HuntProgressLine::finish()
{
    if (m_drawn)
        std::fputs("\n", stderr);
    m_drawn = false;
}

} // namespace vcm::hunt::cli

#include "vcm/db/remove_on_termination_signal.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace vcm::db {
namespace {

constexpr std::array kSignals = {SIGINT, SIGTERM};

// What the handler reads: written before the handlers are installed, never while they are.
char g_path[PATH_MAX];
volatile std::sig_atomic_t g_armed = 0;
std::array<struct sigaction, kSignals.size()> g_previous{};
std::array<bool, kSignals.size()> g_installed{};

extern "C" void removeFileAndDie(int signal)
{
    if (g_armed != 0)
        ::unlink(g_path);
    struct sigaction defaultAction {};
    defaultAction.sa_handler = SIG_DFL;
    sigemptyset(&defaultAction.sa_mask);
    ::sigaction(signal, &defaultAction, nullptr);
    // Pending until this handler returns (the signal is blocked while it runs); then the default action ends
    // the process.
    ::raise(signal);
}

} // namespace

RemoveOnTerminationSignal::RemoveOnTerminationSignal(const std::filesystem::path& file)
{
    if (g_armed != 0)
        throw std::logic_error("RemoveOnTerminationSignal: one guard at a time");
    const std::string& text = file.native();
    if (text.size() >= sizeof g_path)
        return; // cannot be unlinked by a path this long anyway (ENAMETOOLONG): no guard
    std::memcpy(g_path, text.c_str(), text.size() + 1);
    g_armed = 1;
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
        struct sigaction current {};
        ::sigaction(kSignals[i], nullptr, &current);
        if (current.sa_handler == SIG_IGN) // the caller's choice (nohup, a background job): respected
            continue;
        struct sigaction action {};
        action.sa_handler = removeFileAndDie;
        sigemptyset(&action.sa_mask);
        for (const int other : kSignals) // one removal at a time: the other signal waits for the first
            sigaddset(&action.sa_mask, other);
        g_installed[i] = ::sigaction(kSignals[i], &action, &g_previous[i]) == 0;
    }
}

RemoveOnTerminationSignal::~RemoveOnTerminationSignal()
{
    for (std::size_t i = 0; i < kSignals.size(); ++i)
        if (g_installed[i]) {
            ::sigaction(kSignals[i], &g_previous[i], nullptr);
            g_installed[i] = false;
        }
    g_armed = 0;
}

} // namespace vcm::db

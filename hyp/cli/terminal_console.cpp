// The terminal as a board's console: raw-ish mode with restore on exit and on Ctrl-C, non-blocking reads.
#include "terminal_console.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace vcm::hyp::cli {
namespace {

termios g_saved{};
bool g_restore = false;

void restoreTerminal()
{
    if (g_restore)
        tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
}

extern "C" void onSignal(int signal)
{
    restoreTerminal();
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

} // namespace

TerminalConsole::TerminalConsole()
{
    if (isatty(STDIN_FILENO) == 0 || tcgetattr(STDIN_FILENO, &g_saved) != 0)
        return;
    termios raw = g_saved;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO); // ISIG stays: Ctrl-C still ends vcm
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
        return;
    g_restore = true;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
}

TerminalConsole::~TerminalConsole()
{
    restoreTerminal();
    g_restore = false;
}

void TerminalConsole::echo(char byte)
{
    std::fputc(byte, stdout);
    if (byte == '\n')
        std::fflush(stdout);
}

void TerminalConsole::poll(hyp::board::Pl011Uart& uart)
{
    const auto now = std::chrono::steady_clock::now();
    if (m_endOfInput || now < m_nextLook)
        return;
    m_nextLook = now + std::chrono::milliseconds(10);
    std::fflush(stdout); // a prompt without a newline is shown before the guest waits for input
    pollfd ready{STDIN_FILENO, POLLIN, 0};
    if (::poll(&ready, 1, 0) <= 0 || (ready.revents & (POLLIN | POLLHUP)) == 0)
        return;
    char bytes[256];
    const ssize_t n = ::read(STDIN_FILENO, bytes, sizeof bytes);
    if (n <= 0) {
        m_endOfInput = true; // stdin closed: the guest sees no more input
        return;
    }
    for (ssize_t i = 0; i < n; ++i)
        if (bytes[i] == '\n')
            bytes[i] = '\r'; // Enter, as a serial terminal sends it
    uart.receive(std::string_view(bytes, static_cast<std::size_t>(n)));
}

} // namespace vcm::hyp::cli

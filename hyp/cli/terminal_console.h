// `vcm boot --board virt`: the user's terminal as the board's UART. Output is written as the guest transmits
// it; input is read without blocking whenever the guest looks at an empty receive FIFO. While it lives, a
// terminal on stdin is switched to character-at-a-time input without local echo (the firmware echoes), and
// restored on exit, Ctrl-C included.
#pragma once

#include "vcm/hyp/board/pl011_uart.h"

#include <chrono>

namespace vcm::hyp::cli {

class TerminalConsole {
public:
    TerminalConsole();
    ~TerminalConsole();
    TerminalConsole(const TerminalConsole&) = delete;
    TerminalConsole& operator=(const TerminalConsole&) = delete;

    static void echo(char byte);
    // Feeds what is waiting on stdin into `uart`, looking at most every 10 ms of host time: a firmware at its
    // prompt reads the flag register millions of times a second, a countdown only every few virtual ms.
    void poll(board::Pl011Uart& uart);

private:
    std::chrono::steady_clock::time_point m_nextLook{};
    bool m_endOfInput = false;
};

} // namespace vcm::hyp::cli

// Typing at a guest's console from a scenario: each step waits until the guest has printed its `expect`
// text (counted from where the previous step matched), then sends its `send` bytes to the UART's receive
// line. What the guest prints decides when input arrives, never the host's clock, so a scripted boot is as
// deterministic as the rest of the run. An optional stop text ends the run when it appears.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vcm::hyp::board {

struct ConsoleStep {
    std::string expect;
    std::string send;
};

class ConsoleScript {
public:
    ConsoleScript(std::vector<ConsoleStep> steps, std::string stopText);

    // Feeds one byte the guest printed; `send` receives the input a step now types.
    void onOutput(char byte, const std::function<void(const std::string&)>& send);
    bool stopReached() const { return m_stopReached; }
    std::size_t stepsDone() const { return m_next; }
    std::size_t steps() const { return m_steps.size(); }

private:
    std::vector<ConsoleStep> m_steps;
    std::string m_stopText;
    std::size_t m_next = 0;
    std::string m_window;     // the last bytes printed since the last step matched, as long as its text
    std::string m_stopWindow; // the last bytes printed, as long as the stop text
    bool m_stopReached = false;
};

} // namespace vcm::hyp::board

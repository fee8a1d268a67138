// Scripted console input: expect/send steps matched against the guest's output as it is printed.
#include "vcm/hyp/board/console_script.h"

namespace vcm::hyp::board {

ConsoleScript::ConsoleScript(std::vector<ConsoleStep> steps, std::string stopText)
    : m_steps(std::move(steps)), m_stopText(std::move(stopText))
{
}

void ConsoleScript::onOutput(char byte, const std::function<void(const std::string&)>& send)
{
    if (!m_stopText.empty() && !m_stopReached) {
        m_stopWindow.push_back(byte);
        if (m_stopWindow.size() > m_stopText.size())
            m_stopWindow.erase(0, m_stopWindow.size() - m_stopText.size());
        m_stopReached = m_stopWindow == m_stopText;
    }
    if (m_next >= m_steps.size())
        return;
    const std::string& expect = m_steps[m_next].expect;
    m_window.push_back(byte);
    if (m_window.size() > expect.size())
        m_window.erase(0, m_window.size() - expect.size()); // only the last bytes can complete a match
    if (m_window != expect)
        return;
    m_window.clear();
    send(m_steps[m_next++].send);
}

} // namespace vcm::hyp::board

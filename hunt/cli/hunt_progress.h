// vcm hunt's progress: a line redrawn on a terminal (runs done of all, failures per policy, rate, ETA), a line
// per tenth of the runs otherwise (a Slurm job's log), and Ctrl-C or SIGTERM asking the hunt to stop with what
// it has.
#pragma once

#include "vcm/hunt/hunt.h"

#include <chrono>
#include <string>
#include <vector>

namespace vcm::hunt::cli {

class HuntProgressLine {
public:
    explicit HuntProgressLine(std::vector<std::string> policies, bool quiet);
    ~HuntProgressLine();
    HuntProgressLine(const HuntProgressLine&) = delete;
    HuntProgressLine& operator=(const HuntProgressLine&) = delete;

    void update(const HuntProgress& progress);
    // Ctrl-C or SIGTERM arrived since construction.
    static bool stopRequested();
    void finish();

private:
    std::string line(const HuntProgress& progress) const;
    std::vector<std::string> m_policies;
    bool m_quiet;
    bool m_terminal;
    bool m_drawn = false;
    std::size_t m_nextTenth = 1;
    std::chrono::steady_clock::time_point m_nextDraw;
};

} // namespace vcm::hunt::cli

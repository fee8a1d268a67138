// `vcm run`: a progress line on a terminal for runs longer than a couple of seconds (instructions, share of the
// budget, virtual time, the console's last line), and Ctrl-C or SIGTERM ending the run cleanly after the current
// slice, so the summary and the trace cover what ran. Host time only paces the display: it never reaches the
// model.
#pragma once

#include "vcm/hyp/scenario/scenario_run.h"

#include <chrono>

namespace vcm::hyp::cli {

class RunProgress {
public:
    RunProgress();
    ~RunProgress();
    RunProgress(const RunProgress&) = delete;
    RunProgress& operator=(const RunProgress&) = delete;

    // RunHooks::progress: false once the user asked the run to stop.
    bool update(const scenario::RunHooks::Progress& progress);
    bool interrupted() const;

private:
    void clear();
    bool m_terminal = false;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_nextDraw;
};

} // namespace vcm::hyp::cli

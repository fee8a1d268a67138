// Runs tasks in worker processes, at most `jobs` at a time, each task in a process of its own forked from the
// caller: a task that crashes (a signal, abort) or hangs takes only its own process with it, and the others go
// on. A task hands its result back as text through a pipe. The caller must not have started a run of its own
// (the children inherit its memory); the process is otherwise unchanged by a fork, so a task sees exactly the
// state a sequential loop would have given it.
//
// Signals: children ignore SIGINT and SIGTERM (Ctrl-C reaches the whole foreground process group) and die with
// the parent (PR_SET_PDEATHSIG); stopping is the parent's decision (stopRequested), and it kills them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace vcm::hunt {

struct WorkerOutcome {
    enum class Kind {
        Finished, // the task returned; `output` is what it returned
        Failed,   // the task threw; `reason` is the message
        Crashed,  // its process died (a signal, or an exit without a result); `reason` says how
        Hung,     // it ran past the time limit and was killed
    };
    Kind kind = Kind::Finished;
    std::string output;
    std::string reason;
    double hostSeconds = 0; // from fork to the result (or the kill)
};

class ForkedWorkers {
public:
    // The task, run in the child process: returns its result (thrown exceptions become Failed).
    using Task = std::function<std::string(std::size_t task)>;
    // Called in the parent as each task ends, in the order they end.
    using Done = std::function<void(std::size_t task, const WorkerOutcome& outcome)>;

    ForkedWorkers(unsigned jobs, std::chrono::milliseconds timeLimit);

    // Runs tasks 0 .. count - 1, starting them in order. Returns false when stopRequested() said so (polled
    // every 50 ms): the running tasks are killed and reported to no one.
    bool run(std::size_t count, const Task& task, const Done& done, const std::function<bool()>& stopRequested);

private:
    unsigned m_jobs;
    std::chrono::milliseconds m_timeLimit;
};

// The number of CPUs this process may run on (its affinity mask: what Slurm or taskset gave it).
unsigned availableCpus();

} // namespace vcm::hunt

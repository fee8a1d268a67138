#include "vcm/hunt/forked_workers.h"

#include "vcm/hunt/hunt_error.h"

#include <fmt/core.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace vcm::hunt {
namespace {

using Clock = std::chrono::steady_clock;

struct RunningTask {
    pid_t pid = -1;
    int pipe = -1;
    std::size_t task = 0;
    Clock::time_point started;
    std::string received;
};

// Result framing on the pipe: 'R' + output, or 'E' + the exception's message. Nothing at all: the child died.
constexpr char kResult = 'R';
constexpr char kError = 'E';

void writeAll(int fd, const std::string& bytes)
{
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; // the parent is gone or stopped listening: nothing to tell anyone
        written += static_cast<std::size_t>(n);
    }
}

[[noreturn]] void runChild(int pipe, std::size_t task, const ForkedWorkers::Task& work)
{
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string message;
    try {
        message = kResult + work(task);
    } catch (const std::exception& e) {
        message = kError + std::string(e.what());
    } catch (...) {
        message = kError + std::string("an exception that is not a std::exception");
    }
    writeAll(pipe, message);
    ::close(pipe);
    // _exit: no atexit handlers or static destructors of the parent's copy, no second flush of its stdio buffers.
    ::_exit(0);
}

std::string describeStatus(int status)
{
    if (WIFSIGNALED(status)) {
        const int signal = WTERMSIG(status);
        return fmt::format("its worker process was killed by signal {} ({})", signal, ::strsignal(signal));
    }
    if (WIFEXITED(status))
        return fmt::format("its worker process exited with status {} without a result", WEXITSTATUS(status));
    return "its worker process ended without a result";
}

pid_t waitFor(pid_t pid, int& status)
{
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, 0);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

void killAndReap(RunningTask& t)
{
    ::kill(t.pid, SIGKILL);
    int status = 0;
    waitFor(t.pid, status);
    ::close(t.pipe);
}

RunningTask start(std::size_t task, const ForkedWorkers::Task& work)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw HuntError(fmt::format("cannot create a pipe for a worker: {}", std::strerror(errno)));
    // Whatever the parent buffered must not be written twice (the child never flushes, but be certain).
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw HuntError(fmt::format("cannot start a worker process: {}", std::strerror(errno)));
    }
    if (pid == 0) {
        ::close(fds[0]);
        runChild(fds[1], task, work);
    }
    ::close(fds[1]);
    return {pid, fds[0], task, Clock::now(), {}};
}

WorkerOutcome finish(RunningTask& t)
{
    ::close(t.pipe);
    int status = 0;
    waitFor(t.pid, status);
    WorkerOutcome outcome;
    outcome.hostSeconds = std::chrono::duration<double>(Clock::now() - t.started).count();
    const bool exitedCleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!t.received.empty() && t.received[0] == kResult && exitedCleanly) {
        outcome.kind = WorkerOutcome::Kind::Finished;
        outcome.output = t.received.substr(1);
    } else if (!t.received.empty() && t.received[0] == kError && exitedCleanly) {
        outcome.kind = WorkerOutcome::Kind::Failed;
        outcome.reason = t.received.substr(1);
    } else {
        outcome.kind = WorkerOutcome::Kind::Crashed;
        outcome.reason = describeStatus(status);
    }
    return outcome;
}

} // namespace

ForkedWorkers::ForkedWorkers(unsigned jobs, std::chrono::milliseconds timeLimit)
    : m_jobs(std::max(1u, jobs)), m_timeLimit(timeLimit)
{
}

bool ForkedWorkers::run(std::size_t count, const Task& task, const Done& done, const std::function<bool()>& stopRequested)
{
    std::vector<RunningTask> running;
    std::size_t next = 0;
    const auto stopAll = [&running] {
        for (RunningTask& t : running)
            killAndReap(t);
        running.clear();
    };
    try {
        while (next < count || !running.empty()) {
            if (stopRequested()) {
                stopAll();
                return false;
            }
            while (running.size() < m_jobs && next < count)
                running.push_back(start(next++, task));
            std::vector<pollfd> fds;
            for (const RunningTask& t : running)
                fds.push_back({t.pipe, POLLIN, 0});
            const int ready = ::poll(fds.data(), fds.size(), 50);
            if (ready < 0 && errno != EINTR)
                throw HuntError(fmt::format("waiting for the workers failed: {}", std::strerror(errno)));
            std::vector<std::pair<std::size_t, WorkerOutcome>> ended;
            for (std::size_t i = 0; i < running.size();) {
                RunningTask& t = running[i];
                bool over = false;
                if (ready > 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                    char buffer[4096];
                    const ssize_t n = ::read(t.pipe, buffer, sizeof buffer);
                    if (n > 0)
                        t.received.append(buffer, static_cast<std::size_t>(n));
                    else if (n == 0 || errno != EINTR) {
                        ended.emplace_back(t.task, finish(t));
                        over = true;
                    }
                }
                if (!over && Clock::now() - t.started > m_timeLimit) {
                    killAndReap(t);
                    WorkerOutcome hung;
                    hung.kind = WorkerOutcome::Kind::Hung;
                    hung.hostSeconds = std::chrono::duration<double>(Clock::now() - t.started).count();
                    hung.reason = fmt::format("still running after {:.0f} s of host time; killed", hung.hostSeconds);
                    ended.emplace_back(t.task, hung);
                    over = true;
                }
                if (over) {
                    running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
                    fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
                } else {
                    ++i;
                }
            }
            for (const auto& [index, outcome] : ended)
                done(index, outcome);
        }
    } catch (...) {
        stopAll();
        throw;
    }
    return true;
}

unsigned availableCpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0)
        return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
    return static_cast<unsigned>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
}

} // namespace vcm::hunt

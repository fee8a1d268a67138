// TraceSession: liblttng-ctl calls, and starting lttng-sessiond when none runs.
#include "vcm/tracer/trace_session.h"

#include "vcm/tracer/lttng_event_sink.h"

#include <fmt/core.h>
#include <lttng/lttng.h>

#include <chrono>
#include <csignal>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cerrno>
#include <cstring>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace vcm::tracer {
namespace {

constexpr const char* kChannel = "vcm";

void check(int status, const char* what)
{
    if (status < 0)
        throw TraceSessionError(fmt::format("LTTng: {} failed: {}", what, lttng_strerror(status)));
}

template <typename Predicate>
bool waitFor(Predicate predicate, std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (predicate())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return predicate();
}

// Starts `argv[0]` (found on PATH) as a child with its output discarded; returns its pid. The daemon gets a
// process group of its own: a terminal's Ctrl-C goes to vcm's whole foreground group, and a daemon killed with
// vcm would take the session's last packets along ("stopping the session failed: No session daemon"); vcm
// stops it itself, after the session. PR_SET_PDEATHSIG covers a vcm that dies without doing so (SIGKILL, a
// second Ctrl-C): the daemon is sent SIGTERM. (posix_spawn cannot set a parent-death signal, hence fork.)
pid_t spawnQuietly(const char* const argv[])
{
    int report[2]; // the child writes errno here if exec fails; close-on-exec: EOF means it ran
    if (pipe2(report, O_CLOEXEC) != 0)
        throw TraceSessionError(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        close(report[0]);
        close(report[1]);
        throw TraceSessionError(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec: the parent has threads (liblttng-ust's).
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127); // the parent died before the line above
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[0], const_cast<char* const*>(argv));
        const int error = errno;
        (void)!write(report[1], &error, sizeof error);
        _exit(127);
    }
    close(report[1]);
    int error = 0;
    ssize_t n = 0;
    do
        n = read(report[0], &error, sizeof error);
    while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == static_cast<ssize_t>(sizeof error)) {
        int status = 0;
        waitpid(pid, &status, 0);
        throw TraceSessionError(fmt::format("cannot start {}: {} (install the Debian package lttng-tools: bash "
                                            "scripts/install-deps.sh)",
                                            argv[0], std::strerror(error)));
    }
    return pid;
}

void stopChild(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
}

std::string uniqueSessionName()
{
    static int counter = 0;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return fmt::format("vcm-{}-{}-{}", getpid(), ++counter,
                       std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

} // namespace

// The lttng-sessiond this process started, if it had to: one per process, started at the first session and
// stopped when the process exits. (A daemon per session would make liblttng-ust re-register with each new
// daemon, which it does only after a back-off of seconds.)
class SessionDaemon {
public:
    static void ensureRunning()
    {
        static SessionDaemon instance;
        instance.start();
    }
    ~SessionDaemon() { stopChild(m_pid); }

private:
    void start()
    {
        if (lttng_session_daemon_alive() == 1)
            return;
        if (m_pid > 0) { // ours died: reap it before starting another
            int status = 0;
            waitpid(m_pid, &status, WNOHANG);
        }
        // Foreground child (not --daemonize) so its pid is known and only this daemon is stopped later.
        const char* const argv[] = {"lttng-sessiond", "--no-kernel", "--quiet", nullptr};
        m_pid = spawnQuietly(argv);
        if (!waitFor([] { return lttng_session_daemon_alive() == 1; }, std::chrono::seconds(10)))
            throw TraceSessionError("lttng-sessiond started but did not become reachable within 10 s");
    }

    pid_t m_pid = -1;
};

// The lttng-relayd this process started for live sessions, if no relay daemon listened on the live port.
class RelayDaemon {
public:
    static constexpr int kLivePort = 5344; // lttng-relayd's default live port
    static void ensureRunning()
    {
        static RelayDaemon instance;
        instance.start();
    }
    ~RelayDaemon()
    {
        // Viewers poll the relay (Babeltrace2's live source every 100 ms) and learn that the session ended
        // only from it: stopping it at once resets their connection before they read the last packets.
        if (m_pid > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        stopChild(m_pid);
    }

private:
    static bool listening()
    {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return false;
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(kLivePort);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
        close(fd);
        return ok;
    }
    void start()
    {
        if (listening())
            return;
        const char* const argv[] = {"lttng-relayd", nullptr};
        m_pid = spawnQuietly(argv);
        if (!waitFor([] { return listening(); }, std::chrono::seconds(10)))
            throw TraceSessionError("lttng-relayd started but its live port 5344 did not open within 10 s");
    }

    pid_t m_pid = -1;
};

class TraceSession::Impl {
public:
    std::string name;
    TraceSessionOptions options;
    bool active = false;
};

TraceSession::TraceSession(const TraceSessionOptions& options) : m_impl(std::make_unique<Impl>())
{
    Impl& impl = *m_impl;
    impl.options = options;
    impl.name = uniqueSessionName();
    SessionDaemon::ensureRunning();
    if (options.live) {
        RelayDaemon::ensureRunning();
        check(lttng_create_session_live(impl.name.c_str(), "net://127.0.0.1", options.liveTimerUs),
              "creating the live session");
    } else {
        std::filesystem::create_directories(options.output);
        const std::string url = std::filesystem::absolute(options.output).string();
        if (options.flightRecorder)
            check(lttng_create_session_snapshot(impl.name.c_str(), url.c_str()), "creating the snapshot session");
        else
            check(lttng_create_session(impl.name.c_str(), url.c_str()), "creating the session");
    }
    impl.active = true;

    lttng_domain domain{};
    domain.type = LTTNG_DOMAIN_UST;
    domain.buf_type = LTTNG_BUFFER_PER_UID;
    lttng_handle* handle = lttng_create_handle(impl.name.c_str(), &domain);
    if (handle == nullptr)
        throw TraceSessionError("LTTng: cannot create a handle for the session");
    lttng_channel* channel = lttng_channel_create(&domain);
    std::strncpy(channel->name, kChannel, sizeof channel->name - 1);
    // Discard mode for recording (never overwrite what a run wrote); overwrite for the flight recorder.
    channel->attr.overwrite = options.flightRecorder ? 1 : 0;
    channel->attr.subbuf_size = options.subbufferBytes;
    channel->attr.num_subbuf = options.subbufferCount;
    channel->attr.output = LTTNG_EVENT_MMAP;
    int rc = lttng_enable_channel(handle, channel);
    lttng_channel_destroy(channel);
    if (rc >= 0) {
        lttng_event* event = lttng_event_create();
        std::strncpy(event->name, "vcm:*", sizeof event->name - 1);
        event->type = LTTNG_EVENT_TRACEPOINT;
        event->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
        rc = lttng_enable_event_with_exclusions(handle, event, kChannel, nullptr, 0, nullptr);
        lttng_event_destroy(event);
    }
    lttng_destroy_handle(handle);
    check(rc, "enabling the vcm channel and events");
    // Only this process: with a shared session daemon, another vcm run's events must not land in this trace.
    lttng_process_attr_tracker_handle* tracker = nullptr;
    if (lttng_session_get_tracker_handle(impl.name.c_str(), LTTNG_DOMAIN_UST,
                                         LTTNG_PROCESS_ATTR_VIRTUAL_PROCESS_ID, &tracker) != LTTNG_OK ||
        lttng_process_attr_tracker_handle_set_tracking_policy(tracker, LTTNG_TRACKING_POLICY_INCLUDE_SET) !=
            LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK ||
        lttng_process_attr_virtual_process_id_tracker_handle_add_pid(tracker, getpid()) !=
            LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK) {
        lttng_process_attr_tracker_handle_destroy(tracker);
        throw TraceSessionError("LTTng: cannot restrict the session to this process (virtual process ID tracker)");
    }
    lttng_process_attr_tracker_handle_destroy(tracker);
    check(lttng_start_tracing(impl.name.c_str()), "starting the session");
    // The session daemon enables the tracepoints in this process asynchronously (liblttng-ust's listener
    // thread registers with the daemon): wait for it, or the first events of the run would be lost.
    if (!waitFor([] { return LttngEventSink::enabled(); }, std::chrono::seconds(30)))
        throw TraceSessionError("LTTng: the vcm tracepoints were not enabled in this process within 30 s "
                                "(is liblttng-ust able to reach the session daemon?)");
}

TraceSession::~TraceSession()
{
    try {
        if (m_impl->active)
            stop();
    } catch (const TraceSessionError&) {
        // A destructor cannot report; stop() already reported when called explicitly.
    }
}

const std::string& TraceSession::name() const
{
    return m_impl->name;
}

std::string TraceSession::liveUrl() const
{
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return fmt::format("net://localhost/host/{}/{}", host, m_impl->name);
}

void TraceSession::snapshot()
{
    check(lttng_snapshot_record(m_impl->name.c_str(), nullptr, 1), "recording a snapshot");
}

TraceLoss TraceSession::stop()
{
    Impl& impl = *m_impl;
    TraceLoss loss;
    if (!impl.active)
        return loss;
    // lttng_stop_tracing() polls for pending data in 200 ms steps; poll more finely ourselves.
    check(lttng_stop_tracing_no_wait(impl.name.c_str()), "stopping the session");
    waitFor([&] { return lttng_data_pending(impl.name.c_str()) == 0; }, std::chrono::seconds(30));
    lttng_domain domain{};
    domain.type = LTTNG_DOMAIN_UST;
    domain.buf_type = LTTNG_BUFFER_PER_UID;
    if (lttng_handle* handle = lttng_create_handle(impl.name.c_str(), &domain)) {
        lttng_channel* channels = nullptr;
        const int count = lttng_list_channels(handle, &channels);
        for (int i = 0; i < count; ++i) {
            std::uint64_t discarded = 0;
            std::uint64_t lost = 0;
            if (lttng_channel_get_discarded_event_count(&channels[i], &discarded) == 0)
                loss.discardedEvents += discarded;
            if (lttng_channel_get_lost_packet_count(&channels[i], &lost) == 0)
                loss.lostPackets += lost;
        }
        free(channels);
        lttng_destroy_handle(handle);
    }
    impl.active = false;
    // Recorded data is on disk once nothing is pending: do not wait for the daemon's teardown (about half a
    // second). A live session is destroyed synchronously, so its viewers see it end.
    if (impl.options.live)
        check(lttng_destroy_session(impl.name.c_str()), "destroying the session");
    else
        check(lttng_destroy_session_no_wait(impl.name.c_str()), "destroying the session");
    return loss;
}

} // namespace vcm::tracer

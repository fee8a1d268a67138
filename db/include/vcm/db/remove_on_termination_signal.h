// Removes one file if SIGINT or SIGTERM (Ctrl-C, kill) ends the process while the guard lives, so that an
// interrupted command does not leave its half-written temporary file behind. The handler does only
// async-signal-safe work: unlink(2) of a path copied beforehand, then the signal's default action, so the
// process still ends by that signal (its exit status says so). A signal the process ignored when the guard was
// made (nohup, a background job) stays ignored. One guard at a time per process; meant for executables, which
// own their signal dispositions.
#pragma once

#include <filesystem>

namespace vcm::db {

class RemoveOnTerminationSignal {
public:
    explicit RemoveOnTerminationSignal(const std::filesystem::path& file);
    // Restores the dispositions the signals had before.
    ~RemoveOnTerminationSignal();
    RemoveOnTerminationSignal(const RemoveOnTerminationSignal&) = delete;
    RemoveOnTerminationSignal& operator=(const RemoveOnTerminationSignal&) = delete;
};

} // namespace vcm::db

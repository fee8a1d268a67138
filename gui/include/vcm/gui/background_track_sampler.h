// Level-of-detail sampling on a thread of its own, so that a timeline frame never waits for SQLite: a cold page
// cache or a loaded host makes sampling slow, and Perfetto's answer is ours too: the frame draws what it has
// (the previous results, placed by their times at the new range) and repaints as the new results arrive, track
// by track. The thread has its own read-only connection to each run's database. Only the newest request matters: one
// still being sampled stops at its next track when a newer generation is requested.
#pragma once

#include "vcm/gui/time_range.h"
#include "vcm/gui/track.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vcm::gui {

class BackgroundTrackSampler {
public:
    // Called on the sampler's thread, once per track sampled for a request still the newest.
    using Delivery = std::function<void(std::uint64_t generation, int track, std::vector<TrackItem> items)>;

    // runFiles[r] is run r's database (TraceSource::file(r)); tracks[i] is track i (TraceSource::tracks()), sampled
    // from its run's file.
    BackgroundTrackSampler(std::vector<std::filesystem::path> runFiles, std::vector<TrackInfo> tracks, Delivery deliver);
    ~BackgroundTrackSampler(); // stops after the track being sampled and joins the thread
    BackgroundTrackSampler(const BackgroundTrackSampler&) = delete;
    BackgroundTrackSampler& operator=(const BackgroundTrackSampler&) = delete;

    // Samples `tracks` over the range. A request of a newer generation supersedes older ones; one of the same
    // generation adds its tracks to it (tracks scrolled into view).
    void request(std::uint64_t generation, const TimeRange& range, int pixels, const std::vector<int>& tracks);
    // True when every request made so far has been sampled and delivered (or superseded).
    bool idle() const;
    // Why the thread could not read the database (it then samples nothing); empty when it can.
    std::string error() const;

private:
    struct Request {
        std::uint64_t generation = 0;
        TimeRange range;
        int pixels = 1;
        std::vector<int> tracks;
    };

    void run();

    std::vector<std::filesystem::path> m_runFiles;
    std::vector<TrackInfo> m_tracks;
    Delivery m_deliver;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::optional<Request> m_pending;
    bool m_busy = false;
    bool m_stop = false;
    std::string m_error;
    std::atomic<std::uint64_t> m_newest{0};
    std::thread m_thread; // last: it starts once the members above exist
};

} // namespace vcm::gui

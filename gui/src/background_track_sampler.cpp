#include "vcm/gui/background_track_sampler.h"

#include "vcm/db/schema.h"
#include "vcm/gui/track_sampler.h"

#include <memory>

namespace vcm::gui {

BackgroundTrackSampler::BackgroundTrackSampler(std::vector<std::filesystem::path> runFiles, std::vector<TrackInfo> tracks,
                                               Delivery deliver)
    : m_runFiles(std::move(runFiles)), m_tracks(std::move(tracks)), m_deliver(std::move(deliver)),
      m_thread([this] { run(); })
{
}

BackgroundTrackSampler::~BackgroundTrackSampler()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_newest = 0; // the request being sampled stops at its next track
    m_wake.notify_all();
    m_thread.join();
}

void BackgroundTrackSampler::request(std::uint64_t generation, const TimeRange& range, int pixels,
                                     const std::vector<int>& tracks)
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_pending && m_pending->generation == generation) {
            m_pending->tracks.insert(m_pending->tracks.end(), tracks.begin(), tracks.end());
        } else {
            m_pending = Request{generation, range, pixels, tracks};
        }
        m_newest = generation;
    }
    m_wake.notify_one();
}

bool BackgroundTrackSampler::idle() const
{
    const std::lock_guard lock(m_mutex);
    return !m_pending && !m_busy;
}

std::string BackgroundTrackSampler::error() const
{
    const std::lock_guard lock(m_mutex);
    return m_error;
}

void BackgroundTrackSampler::run()
{
    std::vector<std::optional<db::Database>> databases(m_runFiles.size());
    std::vector<std::unique_ptr<TrackSamplerStatements>> statements(m_tracks.size());
    for (std::size_t r = 0; r < m_runFiles.size(); ++r) {
        try {
            databases[r].emplace(db::openTraceDatabase(m_runFiles[r]));
        } catch (const std::exception& error) {
            const std::lock_guard lock(m_mutex);
            m_error = error.what();
        }
    }
    for (;;) {
        Request request;
        {
            std::unique_lock lock(m_mutex);
            m_busy = false;
            m_wake.wait(lock, [this] { return m_stop || m_pending.has_value(); });
            if (m_stop)
                return;
            request = std::move(*m_pending);
            m_pending.reset();
            m_busy = true;
        }
        for (const int track : request.tracks) {
            if (m_newest != request.generation)
                break;
            if (track < 0 || static_cast<std::size_t>(track) >= m_tracks.size())
                continue;
            const TrackInfo& info = m_tracks[static_cast<std::size_t>(track)];
            const TrackQuery& query = info.query;
            std::optional<db::Database>& db = databases.at(static_cast<std::size_t>(info.run));
            if (!db)
                continue;
            auto& slot = statements[static_cast<std::size_t>(track)];
            try {
                if (!slot)
                    slot = std::make_unique<TrackSamplerStatements>(prepareSamplerStatements(*db, query));
                m_deliver(request.generation, track, sampleTrack(*slot, query, request.range, request.pixels));
            } catch (const std::exception& error) {
                const std::lock_guard lock(m_mutex);
                m_error = error.what();
            }
        }
    }
}

} // namespace vcm::gui

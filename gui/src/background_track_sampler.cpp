#include "vcm/gui/background_track_sampler.h"

#include "vcm/db/schema.h"
#include "vcm/gui/track_sampler.h"

#include <memory>

namespace vcm::gui {

BackgroundTrackSampler::BackgroundTrackSampler(std::filesystem::path file, std::vector<TrackQuery> queries, Delivery deliver)
    : m_file(std::move(file)), m_queries(std::move(queries)), m_deliver(std::move(deliver)), m_thread([this] { run(); })
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
    std::optional<db::Database> db;
    std::vector<std::unique_ptr<TrackSamplerStatements>> statements(m_queries.size());
    try {
        db.emplace(db::openTraceDatabase(m_file));
    } catch (const std::exception& error) {
        const std::lock_guard lock(m_mutex);
        m_error = error.what();
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
        if (!db)
            continue;
        for (const int track : request.tracks) {
            if (m_newest != request.generation)
                break;
            if (track < 0 || static_cast<std::size_t>(track) >= m_queries.size())
                continue;
            const TrackQuery& query = m_queries[static_cast<std::size_t>(track)];
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

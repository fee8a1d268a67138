#include "vcm/replay/paced_sink.h"

#include <algorithm>
#include <thread>

namespace vcm::replay {

PacedSink::PacedSink(tracer::EventSink& next, double speed)
    : ForwardingSink(next), m_speed(speed), m_start(std::chrono::steady_clock::now())
{
}

void PacedSink::beforeEvent(const char*, std::optional<std::uint64_t> vtimeNs)
{
    if (!vtimeNs || *vtimeNs <= m_latestVtime || m_speed <= 0)
        return;
    m_latestVtime = *vtimeNs;
    const auto due = m_start + std::chrono::nanoseconds(
                                   static_cast<std::int64_t>(static_cast<double>(m_latestVtime) / m_speed));
    std::this_thread::sleep_until(due);
}

} // namespace vcm::replay

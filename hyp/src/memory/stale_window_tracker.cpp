#include "stale_window_tracker.h"

#include "sparse_pages.h"

#include <algorithm>
#include <fmt/core.h>

namespace vcm::hyp::memory {

void StaleWindowTracker::lineDiverged(std::uint64_t pageNumber, const WindowCause& cause)
{
    if (++m_divergent[pageNumber] == 1 && observed(pageNumber))
        open(pageNumber, cause.describe(), cause.time);
}

void StaleWindowTracker::lineConverged(std::uint64_t pageNumber, const WindowCause& cause)
{
    auto it = m_divergent.find(pageNumber);
    if (it == m_divergent.end())
        return; // cannot happen if the memory system pairs its calls; tolerate rather than underflow
    if (--it->second != 0)
        return;
    m_divergent.erase(it);
    if (m_open.contains(pageNumber))
        close(pageNumber, cause.describe(), cause.time);
}

ObserverId StaleWindowTracker::addObserver(std::string name, PhysAddr base, std::uint64_t length,
                                           const WindowCause& cause)
{
    const auto id = static_cast<ObserverId>(m_observers.size());
    m_observers.push_back({std::move(name), base >> kPageShift, (base + length + kPageBytes - 1) >> kPageShift, true});
    const Observer& added = m_observers.back();
    // Pages that already differ from RAM become visible to a bypassing observer now. Sorted so the
    // order of reports does not depend on the hash table's iteration order.
    std::vector<std::uint64_t> pages;
    for (const auto& [page, count] : m_divergent)
        if (page >= added.firstPage && page < added.endPage && !m_open.contains(page))
            pages.push_back(page);
    std::sort(pages.begin(), pages.end());
    // The observer's arrival is the cause (MemorySystem::addBypassObserver is the only caller, so the operation
    // in `cause` would only say "bypass observer added" again).
    const std::string why = fmt::format("{} beginning to bypass the caches", added.name);
    for (std::uint64_t page : pages)
        open(page, why, cause.time);
    return id;
}

void StaleWindowTracker::removeObserver(ObserverId id, const WindowCause& cause)
{
    if (id >= m_observers.size() || !m_observers[id].active)
        return;
    Observer& removed = m_observers[id];
    removed.active = false;
    std::vector<std::uint64_t> pages;
    for (std::uint64_t page : m_open)
        if (page >= removed.firstPage && page < removed.endPage && !observed(page))
            pages.push_back(page);
    std::sort(pages.begin(), pages.end());
    const std::string why = fmt::format("{} ceasing to bypass the caches", removed.name);
    for (std::uint64_t page : pages)
        close(page, why, cause.time);
}

bool StaleWindowTracker::windowOpen(PhysAddr address) const
{
    return m_open.contains(address >> kPageShift);
}

std::uint32_t StaleWindowTracker::divergentLines(PhysAddr address) const
{
    auto it = m_divergent.find(address >> kPageShift);
    return it == m_divergent.end() ? 0 : it->second;
}

bool StaleWindowTracker::observed(std::uint64_t pageNumber) const
{
    return std::any_of(m_observers.begin(), m_observers.end(), [&](const Observer& o) {
        return o.active && pageNumber >= o.firstPage && pageNumber < o.endPage;
    });
}

void StaleWindowTracker::open(std::uint64_t pageNumber, const std::string& cause, Cycles time)
{
    m_open.insert(pageNumber);
    if (m_listener == nullptr)
        return;
    StaleWindowOpened record;
    record.time = time;
    record.page = pageNumber << kPageShift;
    record.cause = cause;
    for (const Observer& o : m_observers)
        if (o.active && pageNumber >= o.firstPage && pageNumber < o.endPage)
            record.observers.push_back(o.name);
    m_listener->onStaleWindowOpened(record);
}

void StaleWindowTracker::close(std::uint64_t pageNumber, const std::string& resolvedBy, Cycles time)
{
    m_open.erase(pageNumber);
    if (m_listener != nullptr)
        m_listener->onStaleWindowClosed({time, pageNumber << kPageShift, resolvedBy});
}

} // namespace vcm::hyp::memory

// Stale-data windows: per page, the interval during which some cache holds a copy of a line of the
// page whose versions differ from RAM while a cache-bypassing observer (a vCPU with MMU or caches off,
// a non-coherent device, an uncached toolstack mapping) can see the page.
//
// The memory system tells the tracker each time one cached copy starts or stops differing from RAM;
// the tracker keeps a count per page and opens or closes windows on 0 <-> 1 transitions of the count
// and on observer registration and removal.
#pragma once

#include "vcm/hyp/memory/coherence_listener.h"
#include "vcm/hyp/memory/memory_types.h"

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vcm::hyp::memory {

using ObserverId = std::uint32_t;

// The operation in progress when a window opens or closes: its time and a lazily built description,
// so the hot path never formats strings.
struct WindowCause {
    Cycles time = 0;
    std::function<std::string()> describe;
};

class StaleWindowTracker {
public:
    void setListener(CoherenceListener* listener) { m_listener = listener; }

    void lineDiverged(std::uint64_t pageNumber, const WindowCause& cause);
    void lineConverged(std::uint64_t pageNumber, const WindowCause& cause);

    ObserverId addObserver(std::string name, PhysAddr base, std::uint64_t length, const WindowCause& cause);
    void removeObserver(ObserverId id, const WindowCause& cause);

    bool windowOpen(PhysAddr address) const;
    std::uint32_t divergentLines(PhysAddr address) const;
    std::size_t openWindows() const { return m_open.size(); }

private:
    struct Observer {
        std::string name;
        std::uint64_t firstPage = 0;
        std::uint64_t endPage = 0; // exclusive
        bool active = true;
    };

    bool observed(std::uint64_t pageNumber) const;
    void open(std::uint64_t pageNumber, const std::string& cause, Cycles time);
    void close(std::uint64_t pageNumber, const std::string& resolvedBy, Cycles time);

    CoherenceListener* m_listener = nullptr;
    std::unordered_map<std::uint64_t, std::uint32_t> m_divergent; // page -> differing cached copies
    std::unordered_set<std::uint64_t> m_open;
    std::vector<Observer> m_observers;
};

} // namespace vcm::hyp::memory

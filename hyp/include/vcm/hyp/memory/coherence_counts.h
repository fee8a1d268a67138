// A CoherenceListener that counts what the oracle reported, for summaries (vcm boot, tests) and as a
// fan-out point: it forwards every record to an optional next listener.
#pragma once

#include "vcm/hyp/memory/coherence_listener.h"

#include <cstdint>

namespace vcm::hyp::memory {

struct CoherenceCounts : CoherenceListener {
    std::uint64_t staleReads = 0;
    std::uint64_t clobbers = 0;
    std::uint64_t windowsOpened = 0;
    std::uint64_t windowsClosed = 0;
    CoherenceListener* next = nullptr;

    void onAgentAdded(AgentId id, AgentKind kind, const std::string& name, std::optional<CoreId> core) override
    {
        if (next != nullptr)
            next->onAgentAdded(id, kind, name, core);
    }
    void onMaintenance(const MaintenanceReport& m) override
    {
        if (next != nullptr)
            next->onMaintenance(m);
    }
    void onStaleRead(const StaleRead& r) override
    {
        ++staleReads;
        if (next != nullptr)
            next->onStaleRead(r);
    }
    void onClobber(const Clobber& c) override
    {
        ++clobbers;
        if (next != nullptr)
            next->onClobber(c);
    }
    void onStaleWindowOpened(const StaleWindowOpened& o) override
    {
        ++windowsOpened;
        if (next != nullptr)
            next->onStaleWindowOpened(o);
    }
    void onStaleWindowClosed(const StaleWindowClosed& c) override
    {
        ++windowsClosed;
        if (next != nullptr)
            next->onStaleWindowClosed(c);
    }
};

} // namespace vcm::hyp::memory

// A CoherenceListener that keeps every record, for tests to assert on.
#pragma once

#include "vcm/hyp/memory/coherence_listener.h"

#include <vector>

namespace vcm::hyp::memory::testing {

struct RecordingListener : CoherenceListener {
    std::vector<StaleRead> staleReads;
    std::vector<Clobber> clobbers;
    std::vector<StaleWindowOpened> opened;
    std::vector<StaleWindowClosed> closed;

    void onStaleRead(const StaleRead& r) override { staleReads.push_back(r); }
    void onClobber(const Clobber& c) override { clobbers.push_back(c); }
    void onStaleWindowOpened(const StaleWindowOpened& o) override { opened.push_back(o); }
    void onStaleWindowClosed(const StaleWindowClosed& c) override { closed.push_back(c); }
};

} // namespace vcm::hyp::memory::testing

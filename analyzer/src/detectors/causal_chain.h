// The causal chain behind a stale read or a clobber on one cache line: who wrote the data that was
// missed, the last maintenance that should have covered the line and why it did not, the trap and policy
// decisions of the vCPU involved, and migrations in between. Used by the stale-read and clobber detectors.
#pragma once

#include "finding_writer.h"

#include <optional>
#include <string>

namespace vcm::analyzer::detectors {

struct LineIncident {
    std::uint64_t ts = 0;
    std::uint64_t address = 0;
    std::optional<std::int64_t> readerAgent;  // stale read: who read
    std::optional<std::int64_t> writerAgent;  // stale read: who wrote the latest version; clobber: the lost write
    std::optional<std::int64_t> writeTs;      // when that write was made (NULL in traces from before v2)
    std::string latestHeldIn;                 // value_source label of where the latest data is now
    std::int64_t heldInstance = 0;
    bool lostWrite = false;                   // clobber: the write was destroyed, it is held nowhere
};

struct CausalChain {
    std::string text;
    std::vector<Evidence> evidence;
};

CausalChain explainLine(db::Database& db, const LineIncident& incident);

// "the system cache", "L1 of core 1", "L2 of cluster 0", "RAM", "nowhere (discarded by an invalidate)".
std::string describeLocation(const std::string& source, std::int64_t instance);

} // namespace vcm::analyzer::detectors

// Decodes the events of a CTF trace (as CtfEventView) into TraceDatabaseBuilder calls. Field names are
// resolved once per event class; unknown events and unknown fields go to the builder's raw tables.
#pragma once

#include "vcm/analyzer/ctf_reader.h"
#include "vcm/analyzer/trace_database_builder.h"

#include <functional>
#include <memory>

namespace vcm::analyzer {

class CtfEventDecoder final : public CtfVisitor {
public:
    // progress is called every 65536 events with the count so far.
    // source: the trace directory or live URL, named in the errors this throws.
    CtfEventDecoder(TraceDatabaseBuilder& builder, std::function<void(std::uint64_t)> progress = {},
                    std::string source = {});
    ~CtfEventDecoder() override;
    void onEvent(const CtfEventView& event) override;
    void onDiscardedEvents(std::uint64_t count, const HostRange& range) override;
    void onDiscardedPackets(std::uint64_t count, const HostRange& range) override;
    void onIdle() override;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vcm::analyzer

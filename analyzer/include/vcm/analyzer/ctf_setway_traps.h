// The set/way traps a trace event carries, for readers that look at events one by one rather than ingest them
// (replay's comparison, tests): a vcm:setway_trap_batch decoded (tracer/setway_trap_code.h), or a
// vcm:setway_traps of an older trace read from its arrays.
#pragma once

#include "vcm/analyzer/ctf_reader.h"
#include "vcm/tracer/setway_trap_code.h"

#include <optional>
#include <vector>

namespace vcm::analyzer {

// Every trap of a set/way batch event, in order (`cycles` is 0 for the first format, which had none); nothing for
// any other event. Throws CtfReadError naming the event when a batch does not decode.
std::optional<std::vector<tracer::SetWayTrap>> setWayTrapsOf(const CtfEventView& event);

} // namespace vcm::analyzer

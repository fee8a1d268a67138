// `vcm export --perfetto`: a trace database as Chrome trace-event JSON (the JSON Object Format), which
// ui.perfetto.dev and chrome://tracing open. Physical cores are processes (vCPU slices on one thread,
// flush segments on a "hypervisor" thread); VMs are processes with a thread per vCPU carrying traps,
// stale reads, markers and SCTLR_EL1 state. docs/report-and-export.md has the full mapping.
#pragma once

#include "vcm/db/database.h"

#include <ostream>

namespace vcm::analyzer {

// Deterministic: the same database gives the same bytes. Times are written in microseconds with three
// decimals, so no nanosecond is lost. Throws db::DatabaseError when the database cannot be read.
void exportPerfetto(db::Database& db, std::ostream& out);

} // namespace vcm::analyzer

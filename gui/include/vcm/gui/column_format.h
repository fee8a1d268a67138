// How a column of an event table reads for a person, in the Details panel and the Events table alike (issue 19,
// problem 4: "2147504128 beside 0x80005000 track labels", raw ns, agent 5 for d1v0): addresses and register
// values in hex, times and durations with a unit, vCPUs, VMs, agents and flushes by name. Sorting and filtering
// still use the stored values.
#pragma once

#include "vcm/gui/trace_source.h"

#include <QString>

#include <string>

namespace vcm::gui {

// The text of a column named `name` whose stored value reads `stored` (SQLite's text of it; "NULL" for NULL).
QString formatColumn(const RunFacts& facts, const std::string& name, const QString& stored);

} // namespace vcm::gui

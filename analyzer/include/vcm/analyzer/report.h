// `vcm report`: a xenalyze-style summary of one run from its trace database: the run and its health
// (data loss said loudly), traps, flushes and their segment lengths, per-vCPU and per-core time, findings
// and the guests' console output. docs/report-and-export.md explains every figure.
#pragma once

#include "vcm/db/database.h"

#include <string>

namespace vcm::analyzer {

// Text for a terminal, Markdown (tables) for an issue or a wiki, HTML as one self-contained file with
// inline SVG charts.
enum class ReportFormat { Text, Markdown, Html };

// Deterministic: the same database gives the same bytes. Throws db::DatabaseError when the database
// cannot be read.
std::string renderReport(db::Database& db, ReportFormat format);

} // namespace vcm::analyzer

// One function per finding kind; detectors.cpp runs them in order. Each reads the ingested tables and
// writes through the FindingWriter.
#pragma once

#include "finding_writer.h"
#include "vcm/analyzer/detectors.h"

namespace vcm::analyzer::detectors {

void detectDataLoss(db::Database& db, FindingWriter& out);
void detectNoOracle(db::Database& db, FindingWriter& out);
void detectLongFlushSegments(db::Database& db, FindingWriter& out, const DetectorOptions& options);
void detectStaleReads(db::Database& db, FindingWriter& out);
void detectClobbers(db::Database& db, FindingWriter& out);
void detectStaleWindows(db::Database& db, FindingWriter& out);
void detectTvmTrapsAfterCachesOn(db::Database& db, FindingWriter& out);
void detectUntrappedSetWay(db::Database& db, FindingWriter& out);
void detectSetWayRefused(db::Database& db, FindingWriter& out);
void detectCachesOnWithoutFlush(db::Database& db, FindingWriter& out);
void detectFlushSchedulingLatency(db::Database& db, FindingWriter& out, const DetectorOptions& options);

} // namespace vcm::analyzer::detectors

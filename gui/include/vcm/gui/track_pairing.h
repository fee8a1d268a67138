// Two runs' track catalogues as one, for comparing them on one timeline (issue 19): the groups matched by name
// ("core 0", "vCPU d1v0", "memory") or, for the VMs and vCPUs each run names itself, by their order ("vCPU d1v0 /
// vmmv0" against real KVM), and in each group every track of run A followed by run B's track of the same kind and
// name, so that the eye compares neighbours, as Perfetto's and Trace Compass's users pair tracks by hand. A group
// or track one run has and the other lacks keeps its place in its own run's order.
#pragma once

#include "vcm/gui/track_catalog.h"

namespace vcm::gui {

// B's tracks come out with run 1 (A's keep run 0); a group starts collapsed when it does in either run.
TrackCatalog pairTrackCatalogs(const TrackCatalog& a, const TrackCatalog& b);

} // namespace vcm::gui

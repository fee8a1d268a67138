#include "vcm/gui/track_pairing.h"

#include <algorithm>
#include <functional>

namespace vcm::gui {

namespace {

// Merges two sequences that each keep a meaningful order (the catalogue's: trace, cores, VMs, vCPUs, memory;
// within a group, its tracks' fixed order, errors before warnings before info), emitting matching elements side
// by side, A's first. An element of one run without a match in the rest of the other is emitted in its place,
// A's before B's, so that what A lacks does not push A's own elements down.
template <typename T, typename Pair>
void mergePaired(const std::vector<T>& a, const std::vector<T>& b, const std::function<bool(const T&, const T&)>& same,
                 Pair pair)
{
    std::size_t i = 0;
    std::size_t j = 0;
    const auto inRest = [&](const T& element, const std::vector<T>& in, std::size_t from) {
        return std::any_of(in.begin() + static_cast<std::ptrdiff_t>(from), in.end(),
                           [&](const T& other) { return same(element, other); });
    };
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && same(a[i], b[j]))
            pair(&a[i++], &b[j++]);
        else if (i < a.size() && (j == b.size() || !inRest(a[i], b, j)))
            pair(&a[i++], nullptr);
        else if (j < b.size() && (i == a.size() || !inRest(b[j], a, i)))
            pair(nullptr, &b[j++]);
        else // the two runs order these two differently: A's order wins
            pair(&a[i++], nullptr);
    }
}

} // namespace

TrackCatalog pairTrackCatalogs(const TrackCatalog& a, const TrackCatalog& b)
{
    TrackCatalog paired;
    const auto add = [&paired](const TrackInfo& track, int run) {
        paired.groups.back().tracks.push_back(static_cast<int>(paired.tracks.size()));
        paired.tracks.push_back(track);
        paired.tracks.back().run = run;
    };
    const std::function<bool(const TrackGroup&, const TrackGroup&)> sameGroup = [](const TrackGroup& x,
                                                                                 const TrackGroup& y) {
        return x.name == y.name;
    };
    mergePaired(a.groups, b.groups, sameGroup, [&](const TrackGroup* groupA, const TrackGroup* groupB) {
        const TrackGroup& named = groupA ? *groupA : *groupB;
        paired.groups.push_back({named.name, {}, (groupA && groupA->collapsed) || (groupB && groupB->collapsed)});
        // Tracks are compared within the group through their infos, so that a track's kind and name pair it.
        std::vector<const TrackInfo*> tracksA, tracksB;
        if (groupA)
            for (const int t : groupA->tracks)
                tracksA.push_back(&a.tracks.at(static_cast<std::size_t>(t)));
        if (groupB)
            for (const int t : groupB->tracks)
                tracksB.push_back(&b.tracks.at(static_cast<std::size_t>(t)));
        const std::function<bool(const TrackInfo* const&, const TrackInfo* const&)> sameTrack =
            [](const TrackInfo* const& x, const TrackInfo* const& y) { return x->kind == y->kind && x->name == y->name; };
        mergePaired(tracksA, tracksB, sameTrack, [&](const TrackInfo* const* trackA, const TrackInfo* const* trackB) {
            if (trackA)
                add(**trackA, 0);
            if (trackB)
                add(**trackB, 1);
        });
    });
    return paired;
}

} // namespace vcm::gui

#include "vcm/gui/track_pairing.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

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

// VMs and vCPUs are named by each run itself (d1v0 here, vmmv0 in real KVM under kvmtool), cores and memory by the
// machine: only the former may pair under different names.
enum class Section { NamedByTheMachine, Vm, Vcpu };

Section sectionOf(const TrackCatalog& catalog, const TrackGroup& group)
{
    if (group.tracks.empty())
        return Section::NamedByTheMachine;
    switch (catalog.tracks.at(static_cast<std::size_t>(group.tracks.front())).kind) {
    case TrackKind::VmFlushes:
    case TrackKind::VmSegments:
        return Section::Vm;
    case TrackKind::VcpuWaiting:
    case TrackKind::VcpuSctlr:
    case TrackKind::VcpuTvm:
    case TrackKind::VcpuTraps:
    case TrackKind::VcpuMarkers:
    case TrackKind::VcpuConsole:
        return Section::Vcpu;
    default:
        return Section::NamedByTheMachine;
    }
}

// Which of B's groups each of A's pairs with: the one of the same name; else, for a VM or a vCPU, the next of B's of
// that section that has no partner either, in order (the first VM with the first VM, its first vCPU with the
// first vCPU).
std::map<const TrackGroup*, const TrackGroup*> groupPartners(const TrackCatalog& a, const TrackCatalog& b)
{
    std::map<const TrackGroup*, const TrackGroup*> partners;
    std::set<const TrackGroup*> taken;
    for (const TrackGroup& groupA : a.groups) {
        const auto same = std::find_if(b.groups.begin(), b.groups.end(),
                                       [&](const TrackGroup& groupB) { return groupB.name == groupA.name; });
        if (same != b.groups.end() && taken.insert(&*same).second)
            partners.emplace(&groupA, &*same);
    }
    for (const Section section : {Section::Vm, Section::Vcpu}) {
        std::vector<const TrackGroup*> left;
        for (const TrackGroup& groupB : b.groups)
            if (!taken.contains(&groupB) && sectionOf(b, groupB) == section)
                left.push_back(&groupB);
        auto next = left.begin();
        for (const TrackGroup& groupA : a.groups) {
            if (next == left.end())
                break;
            if (!partners.contains(&groupA) && sectionOf(a, groupA) == section)
                partners.emplace(&groupA, *next++);
        }
    }
    return partners;
}

// "vCPU d1v0 / vmmv0": a pair whose runs name the entity differently shows both names.
QString pairName(const TrackGroup* groupA, const TrackGroup* groupB)
{
    if (groupA == nullptr || groupB == nullptr || groupA->name == groupB->name)
        return groupA ? groupA->name : groupB->name;
    const qsizetype space = groupB->name.indexOf(QLatin1Char(' '));
    return groupA->name + QStringLiteral(" / ") + (space < 0 ? groupB->name : groupB->name.mid(space + 1));
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
    const std::map<const TrackGroup*, const TrackGroup*> partners = groupPartners(a, b);
    const std::function<bool(const TrackGroup&, const TrackGroup&)> sameGroup = [&](const TrackGroup& x,
                                                                                 const TrackGroup& y) {
        const auto partner = partners.find(&x);
        return partner != partners.end() && partner->second == &y;
    };
    mergePaired(a.groups, b.groups, sameGroup, [&](const TrackGroup* groupA, const TrackGroup* groupB) {
        paired.groups.push_back({pairName(groupA, groupB), {}, (groupA && groupA->collapsed) || (groupB && groupB->collapsed)});
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

#include "vcm/gui/track_catalog.h"

#include <string>
#include <tuple>

namespace vcm::gui {

namespace {

bool hasRows(db::Database& db, const std::string& table, const std::string& where)
{
    return db.scalar("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE " + where + ")") != 0;
}

class CatalogBuilder {
public:
    CatalogBuilder(db::Database& db, const RunFacts& facts) : m_db(db), m_facts(facts) {}

    void group(const QString& name, bool collapsed = false)
    {
        m_catalog.groups.push_back({name, {}, collapsed});
    }

    void track(const QString& name, TrackKind kind, std::int64_t entity, TrackQuery query, bool instants = false)
    {
        if (instants)
            query.dur = "0";
        m_catalog.groups.back().tracks.push_back(static_cast<int>(m_catalog.tracks.size()));
        m_catalog.tracks.push_back({name, kind, entity, 0, instants, std::move(query)});
    }

    // Drops groups that ended up without tracks (a VM without flushes, memory without windows).
    TrackCatalog finish()
    {
        std::erase_if(m_catalog.groups, [](const TrackGroup& g) { return g.tracks.empty(); });
        return std::move(m_catalog);
    }

    void traceGroup()
    {
        group(QStringLiteral("Trace"));
        // One findings track per severity, errors first: findings overlap, and on one shared track a summary
        // takes the colour of the first row merged into it, so a warning could hide an error (issue 19).
        for (const auto& [severity, level, name] : {std::tuple{"error", 2, "errors"}, std::tuple{"warning", 1, "warnings"},
                                                    std::tuple{"info", 0, "info"}}) {
            const std::string where = std::string("severity = '") + severity + "'";
            if (!hasRows(m_db, "finding", where))
                continue;
            TrackQuery q{.table = "finding", .from = "finding", .where = where};
            q.style = std::to_string(level);
            q.label = "kind";
            q.overlapping = true;
            q.maximumDuration = m_db.scalar("SELECT max(dur) FROM finding WHERE " + where);
            track(QStringLiteral("findings: %1").arg(QLatin1String(name)), TrackKind::Findings, level, q);
        }
        if (hasRows(m_db, "data_loss", "1")) {
            const std::string end = std::to_string(m_facts.endTs);
            TrackQuery q{.table = "data_loss", .from = "data_loss"};
            q.ts = "coalesce(ts_before, ts_after, 0)";
            q.dur = "(coalesce(ts_after, " + end + ") - coalesce(ts_before, ts_after, 0))";
            q.label = "count || ' ' || kind || ' lost'";
            q.overlapping = true;
            q.maximumDuration = m_db.scalar("SELECT max(" + q.dur + ") FROM data_loss");
            track(QStringLiteral("data loss"), TrackKind::DataLoss, -1, q);
        }
    }

    void coreGroups()
    {
        db::Statement cores = m_db.prepare("SELECT id FROM core ORDER BY id");
        while (cores.step()) {
            const std::int64_t core = cores.columnInt(0);
            const std::string where = "core = " + std::to_string(core);
            group(QStringLiteral("core %1").arg(core));
            // A core nothing ran on has no tracks, so no group: the track list says what happened.
            if (hasRows(m_db, "sched_slice", where)) {
                TrackQuery slices{.table = "sched_slice", .from = "sched_slice", .where = where};
                slices.style = "vcpu_id";
                track(QStringLiteral("vCPU"), TrackKind::CoreVcpu, core, slices);
            }
            if (hasRows(m_db, "flush_segment", where)) {
                TrackQuery segments{.table = "flush_segment", .from = "flush_segment", .where = where};
                segments.style = "unpreempted_delay_ns > " + std::to_string(kLongUnpreemptedDelayNs);
                segments.link = "coalesce(flush, 0)";
                segments.label = "'flush ' || flush_id || ' #' || seq";
                track(QStringLiteral("hypervisor"), TrackKind::CoreHypervisor, core, segments);
            }
        }
    }

    void vmGroups()
    {
        for (const auto& [vm, name] : m_facts.vmNames) {
            const std::string id = std::to_string(vm);
            group(QStringLiteral("VM %1").arg(name));
            if (!hasRows(m_db, "flush", "vm = " + id))
                continue;
            TrackQuery flushes{.table = "flush", .from = "flush", .where = "vm = " + id};
            flushes.style = "finished";
            flushes.label = "'flush ' || flush_id || ' (' || reason || ', ' || segments || ' segments)'";
            flushes.overlapping = true;
            flushes.maximumDuration = m_db.scalar("SELECT max(dur) FROM flush WHERE vm = " + id);
            track(QStringLiteral("flushes"), TrackKind::VmFlushes, vm, flushes);
            // flush_segment has no (vm, ts) index: reach a VM's segments through its flushes (flush_vm_ts, then
            // flush_segment_flush). Segments whose request the trace lost (flush NULL) show on the core tracks only.
            TrackQuery segments{.table = "flush_segment", .from = "flush f JOIN flush_segment s ON s.flush = f.id",
                                .where = "f.vm = " + id};
            segments.id = "s.id";
            segments.ts = "s.ts";
            segments.dur = "s.dur";
            segments.style = "s.unpreempted_delay_ns > " + std::to_string(kLongUnpreemptedDelayNs);
            segments.link = "s.flush";
            segments.label = "'#' || s.seq";
            track(QStringLiteral("flush segments"), TrackKind::VmSegments, vm, segments);
        }
    }

    void vcpuGroups()
    {
        for (const auto& [vcpu, name] : m_facts.vcpuNames) {
            const std::string where = "vcpu_id = " + std::to_string(vcpu);
            group(QStringLiteral("vCPU %1").arg(name));
            // The wait of a runnable vCPU (problem 5 of issue 19: probev0 waiting 72 ms behind a flush had no state
            // of its own). Databases of schema 2 gain the table when they are opened (db::openTraceDatabase).
            if (hasRows(m_db, "vcpu_wait", where)) {
                TrackQuery q{.table = "vcpu_wait", .from = "vcpu_wait", .where = where};
                q.label = "'waiting for a core'";
                track(QStringLiteral("waiting"), TrackKind::VcpuWaiting, vcpu, q);
            }
            if (hasRows(m_db, "sctlr_state", where)) {
                TrackQuery q{.table = "sctlr_state", .from = "sctlr_state", .where = where};
                q.style = "CASE state WHEN 'off' THEN 0 WHEN 'mmu' THEN 1 WHEN 'caches' THEN 2 WHEN 'mmu_caches' THEN 3 "
                          "ELSE 4 END";
                q.label = "state";
                track(QStringLiteral("SCTLR"), TrackKind::VcpuSctlr, vcpu, q);
            }
            if (hasRows(m_db, "tvm_state", where)) {
                TrackQuery q{.table = "tvm_state", .from = "tvm_state", .where = where};
                q.label = "'TVM armed'";
                track(QStringLiteral("TVM"), TrackKind::VcpuTvm, vcpu, q);
            }
            if (hasRows(m_db, "trap", where)) {
                TrackQuery q{.table = "trap", .from = "trap", .where = where};
                // No label: ticks are never labelled, and the details panel shows `what`.
                q.style = "CASE kind WHEN 'setway' THEN 0 WHEN 'vm_register' THEN 1 WHEN 'stage2_fault' THEN 2 ELSE 3 END";
                track(QStringLiteral("traps"), TrackKind::VcpuTraps, vcpu, q, true);
            }
            if (hasRows(m_db, "marker", where)) {
                TrackQuery q{.table = "marker", .from = "marker", .where = where};
                q.label = "name";
                track(QStringLiteral("markers"), TrackKind::VcpuMarkers, vcpu, q, true);
            }
            if (hasRows(m_db, "console", where)) {
                TrackQuery q{.table = "console", .from = "console", .where = where};
                q.label = "text";
                track(QStringLiteral("console"), TrackKind::VcpuConsole, vcpu, q, true);
            }
        }
    }

    void memoryGroup()
    {
        group(QStringLiteral("memory"));
        if (!m_facts.hasOracle) {
            // A hardware trace: no track could show stale data, and no tracks at all would read as "none". One band
            // over the run (the no_oracle finding) says it is unknown, where the stale-data tracks would be.
            TrackQuery q{.table = "finding", .from = "finding", .where = "kind = 'no_oracle'"};
            q.style = "0";
            q.label = "'unknown: no coherence oracle watched this run'";
            track(QStringLiteral("stale data: unknown"), TrackKind::Findings, -1, q);
        }
        std::vector<std::int64_t> pages;
        db::Statement distinct = m_db.prepare("SELECT DISTINCT page FROM stale_window ORDER BY page LIMIT " +
                                              std::to_string(kMaximumPageTracks + 1));
        while (distinct.step())
            pages.push_back(distinct.columnInt(0));
        std::vector<StaleRegion> regions;
        if (pages.size() <= static_cast<std::size_t>(kMaximumPageTracks)) {
            for (const std::int64_t page : pages)
                pageTrack(page);
        } else {
            regions = staleRegions();
            if (regions.size() <= static_cast<std::size_t>(kMaximumRegionTracks)) {
                for (const StaleRegion& region : regions) {
                    TrackQuery q = windowQuery(regionWhere(region.base));
                    q.label = "printf('0x%x', page)";
                    q.overlapping = true;
                    q.maximumDuration = region.maximumDuration;
                    track(QStringLiteral("stale %1 (%2 pages)").arg(regionName(region.base)).arg(region.pages),
                          TrackKind::StaleRegion, region.base, q);
                }
            } else {
                TrackQuery q = windowQuery("1");
                q.overlapping = true;
                q.maximumDuration = m_db.scalar("SELECT max(dur) FROM stale_window");
                track(QStringLiteral("stale windows"), TrackKind::StaleWindows, -1, q);
                regions.clear();
            }
        }
        if (hasRows(m_db, "stale_read", "1")) {
            TrackQuery q{.table = "stale_read", .from = "stale_read"};
            q.label = "printf('0x%x', address)";
            q.origin = "latest_write_ts";
            track(QStringLiteral("stale reads"), TrackKind::StaleReads, -1, q, true);
        }
        if (hasRows(m_db, "clobber", "1")) {
            TrackQuery q{.table = "clobber", .from = "clobber"};
            q.label = "printf('0x%x', address)";
            q.origin = "overwritten_write_ts";
            track(QStringLiteral("clobbers"), TrackKind::Clobbers, -1, q, true);
        }
        // Each region's pages, to drill into: collapsed until asked for.
        for (const StaleRegion& region : regions) {
            if (region.pages > kMaximumPageTracksPerRegion)
                continue;
            group(QStringLiteral("pages of %1").arg(regionName(region.base)), true);
            db::Statement inRegion = m_db.prepare("SELECT DISTINCT page FROM stale_window WHERE " +
                                                  regionWhere(region.base) + " ORDER BY page");
            while (inRegion.step())
                pageTrack(inRegion.columnInt(0));
        }
    }

private:
    struct StaleRegion {
        std::int64_t base = 0;
        std::int64_t pages = 0;
        std::int64_t maximumDuration = 0;
    };

    std::vector<StaleRegion> staleRegions()
    {
        std::vector<StaleRegion> regions;
        db::Statement q = m_db.prepare("SELECT page / " + std::to_string(kStaleRegionBytes) +
                                       ", count(DISTINCT page), max(dur) FROM stale_window GROUP BY 1 ORDER BY 1 LIMIT " +
                                       std::to_string(kMaximumRegionTracks + 1));
        while (q.step())
            regions.push_back({q.columnInt(0) * kStaleRegionBytes, q.columnInt(1), q.columnInt(2)});
        return regions;
    }

    static std::string regionWhere(std::int64_t base)
    {
        return "page >= " + std::to_string(base) + " AND page < " + std::to_string(base + kStaleRegionBytes);
    }

    static QString regionName(std::int64_t base)
    {
        return QStringLiteral("0x%1 +%2M").arg(base, 0, 16).arg(kStaleRegionBytes >> 20);
    }

    static TrackQuery windowQuery(std::string where)
    {
        TrackQuery q{.table = "stale_window", .from = "stale_window", .where = std::move(where)};
        q.style = "open";
        q.label = "observers";
        return q;
    }

    void pageTrack(std::int64_t page)
    {
        track(QStringLiteral("stale 0x%1").arg(page, 0, 16), TrackKind::StaleWindows, page,
              windowQuery("page = " + std::to_string(page)));
    }

    db::Database& m_db;
    const RunFacts& m_facts;
    TrackCatalog m_catalog;
};

} // namespace

TrackCatalog buildTrackCatalog(db::Database& db, const RunFacts& facts)
{
    CatalogBuilder builder(db, facts);
    builder.traceGroup();
    builder.coreGroups();
    builder.vmGroups();
    builder.vcpuGroups();
    builder.memoryGroup();
    return builder.finish();
}

} // namespace vcm::gui

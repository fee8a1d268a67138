#include "ctf_event_decoder.h"
#include "vcm/tracer/machine_limits.h"

#include "vcm/tracer/setway_trap_code.h"
#include "vcm/tracer/timer_ticks.h"

#include <fmt/core.h>

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

namespace vcm::analyzer {
namespace {

enum class Event {
    RunConfiguration,
    RunEnd,
    Agent,
    VcpuCreate,
    VcpuRun,
    VcpuStop,
    VcpuMigrate,
    TimerTick,
    TimerTicks,
    Trap,
    SctlrChange,
    TvmChange,
    Console,
    Marker,
    FlushRequest,
    FlushSegmentBegin,
    FlushSegmentEnd,
    Maintenance,
    StaleRead,
    Clobber,
    SetWayTraps,
    SetWayTrapBatch,
    StaleWindowOpen,
    StaleWindowClose,
    ToolstackWrite,
    Unknown,
};

constexpr std::size_t kMaxFields = 18;

struct EventSpec {
    const char* name;
    Event event;
    std::vector<const char*> fields; // in the order the handlers read them (docs/events.md)
    // Fields the tracer derives from `fields` (sctlr_change's bits of its values, for whoever reads the trace
    // without decoding registers): known, so not kept as raw_event/args, but neither read (the builder
    // recomputes them) nor required.
    std::vector<const char*> derived = {};
    // Fields added after the event's first release, read after `fields` (spec positions fields.size() + i):
    // a trace from an older tracer lacks them, and the row gets NULL rather than the trace being refused.
    std::vector<const char*> later = {};
};

const std::vector<EventSpec>& eventSpecs()
{
    static const std::vector<EventSpec> specs = {
        {"vcm:run_configuration", Event::RunConfiguration,
         {"scenario", "scenario_text", "policy", "knobs", "overrides", "vcm_version", "guests", "seed", "clusters",
          "cores_per_cluster", "line_bytes", "l1_bytes", "l1_ways", "l2_bytes", "l2_ways", "system_cache_bytes",
          "system_cache_ways", "core_mhz"}},
        {"vcm:run_end", Event::RunEnd, {"vtime_ns", "instructions"}},
        {"vcm:agent", Event::Agent, {"id", "role", "name", "core"}},
        {"vcm:vcpu_create", Event::VcpuCreate, {"vm", "vcpu", "agent", "core", "vm_name", "name"}},
        {"vcm:vcpu_run", Event::VcpuRun, {"vtime_ns", "vm", "vcpu", "core"}},
        {"vcm:vcpu_stop", Event::VcpuStop, {"vtime_ns", "vm", "vcpu", "core", "reason", "instructions"}},
        {"vcm:vcpu_migrate", Event::VcpuMigrate, {"vtime_ns", "vm", "vcpu", "from_core", "to_core"}},
        {"vcm:timer_tick", Event::TimerTick, {"vtime_ns", "core"}},
        {"vcm:timer_ticks", Event::TimerTicks,
         {"vtime_ns", "last_vtime_ns", "core", "core_mhz", "first_cycles", "period_cycles", "count"}},
        {"vcm:trap", Event::Trap,
         {"vtime_ns", "vm", "vcpu", "core", "kind", "detail", "operand", "old_value", "new_value"}},
        {"vcm:setway_trap_batch", Event::SetWayTrapBatch,
         {"vtime_ns", "vm", "vcpu", "core", "core_mhz", "count", "first_cycles", "last_cycles", "first_op",
          "first_operand", "codes", "literals"},
         {"last_vtime_ns", "_codes_length", "_literals_length"}},
        // Written by the tracer before vcm:setway_trap_batch (tests/data/traces/v2-*): one array entry per trap.
        {"vcm:setway_traps", Event::SetWayTraps,
         {"vtime_ns", "vm", "vcpu", "core", "trap_vtime_ns", "op", "operand"},
         {"_trap_vtime_ns_length", "_op_length", "_operand_length"}},
        {"vcm:sctlr_change", Event::SctlrChange, {"vtime_ns", "vm", "vcpu", "old_value", "new_value"},
         {"old_m", "old_c", "old_i", "new_m", "new_c", "new_i"}},
        {"vcm:tvm_change", Event::TvmChange, {"vtime_ns", "vm", "vcpu", "armed"}},
        {"vcm:console", Event::Console, {"vtime_ns", "vm", "vcpu", "text"}},
        {"vcm:marker", Event::Marker, {"vtime_ns", "vm", "vcpu", "name"}},
        {"vcm:flush_request", Event::FlushRequest, {"vtime_ns", "vm", "vcpu", "flush_id", "reason"}},
        {"vcm:flush_segment_begin", Event::FlushSegmentBegin, {"vtime_ns", "vm", "core", "flush_id"}},
        {"vcm:flush_segment_end", Event::FlushSegmentEnd,
         {"vtime_ns", "vm", "core", "flush_id", "pages", "regions_skipped", "finished", "resume_gfn",
          "unpreempted_delay_ns"}},
        {"vcm:maintenance", Event::Maintenance,
         {"vtime_ns", "agent", "core", "op", "address", "bytes", "lines_cleaned", "lines_invalidated",
          "dirty_discarded"}},
        {"vcm:stale_read", Event::StaleRead,
         {"vtime_ns", "agent", "core", "address", "stale_words", "version_returned", "latest_version",
          "latest_writer", "source", "source_instance", "latest_held_in", "held_instance"},
         {},
         {"latest_write_ns"}},
        {"vcm:clobber", Event::Clobber,
         {"vtime_ns", "address", "words", "origin", "origin_instance", "line_version", "overwritten_version",
          "cause"},
         {},
         {"overwritten_write_known", "overwritten_writer", "overwritten_write_ns"}},
        {"vcm:stale_window_open", Event::StaleWindowOpen, {"vtime_ns", "page", "observers", "cause"}},
        {"vcm:stale_window_close", Event::StaleWindowClose, {"vtime_ns", "page", "resolved_by"}},
        {"vcm:toolstack_write", Event::ToolstackWrite, {"vtime_ns", "vm", "core", "mode", "ipa", "bytes"}},
    };
    return specs;
}

// How one event class of this trace maps onto its spec: payload index of each expected field.
struct ClassLayout {
    Event event = Event::Unknown;
    std::string name;
    std::array<std::size_t, kMaxFields> index{};
    std::array<CtfEventView::FieldKind, kMaxFields> kind{};
    std::array<bool, kMaxFields> present{}; // false only for a `later` field this trace lacks
    std::vector<std::size_t> extra; // payload fields the spec does not list
    std::optional<std::size_t> vtime;
};

} // namespace

struct CtfEventDecoder::Impl {
    TraceDatabaseBuilder& builder;
    std::function<void(std::uint64_t)> progress;
    std::string source;
    std::unordered_map<const void*, ClassLayout> layouts;
    const void* lastClass = nullptr;
    const ClassLayout* lastLayout = nullptr;
    std::unordered_map<std::string, const EventSpec*> specsByName;
    std::uint64_t index = 0;
    bool configured = false; // a vcm:run_configuration was read: a second one is a second run
    std::vector<std::uint8_t> codes;    // the arrays of the vcm:setway_trap_batch being decoded
    std::vector<std::uint8_t> literals;
    // "SOURCE: " for error messages, or nothing when the source is not known.
    std::string where() const { return source.empty() ? std::string() : source + ": "; }
    // flush_segment_begin waits for its end (they are emitted back to back): (vm, flush_id) -> start.
    std::unordered_map<std::uint64_t, std::uint64_t> segmentStarts;

    const ClassLayout& layout(const CtfEventView& e)
    {
        // Runs of one event class are the rule (a set/way pass is millions of maintenance events in a row).
        const void* key = e.classKey();
        if (key == lastClass)
            return *lastLayout;
        const auto found = layouts.find(key);
        if (found != layouts.end()) {
            lastClass = key;
            lastLayout = &found->second;
            return found->second;
        }
        ClassLayout layout;
        layout.name = std::string(e.name());
        const std::size_t count = e.fieldCount();
        std::unordered_map<std::string_view, std::size_t> byName;
        for (std::size_t i = 0; i < count; ++i) {
            byName.emplace(e.fieldName(i), i);
            if (e.fieldName(i) == "vtime_ns" && e.fieldKind(i) == CtfEventView::FieldKind::Unsigned)
                layout.vtime = i;
        }
        const auto spec = specsByName.find(layout.name);
        if (spec != specsByName.end()) {
            layout.event = spec->second->event;
            std::vector<bool> used(count, false);
            for (std::size_t f = 0; f < spec->second->fields.size(); ++f) {
                const auto at = byName.find(spec->second->fields[f]);
                if (at == byName.end())
                    throw CtfReadError(fmt::format("{}event #{} {}: field '{}' is missing (docs/events.md lists it); "
                                                   "the trace is from an incompatible tracer",
                                                   where(), index, layout.name, spec->second->fields[f]));
                layout.index[f] = at->second;
                layout.kind[f] = e.fieldKind(at->second);
                layout.present[f] = true;
                used[at->second] = true;
            }
            for (std::size_t i = 0; i < spec->second->later.size(); ++i) {
                const std::size_t f = spec->second->fields.size() + i;
                if (const auto at = byName.find(spec->second->later[i]); at != byName.end()) {
                    layout.index[f] = at->second;
                    layout.kind[f] = e.fieldKind(at->second);
                    layout.present[f] = true;
                    used[at->second] = true;
                }
            }
            for (const char* derived : spec->second->derived)
                if (const auto at = byName.find(derived); at != byName.end())
                    used[at->second] = true;
            for (std::size_t i = 0; i < count; ++i)
                if (!used[i])
                    layout.extra.push_back(i);
        } else {
            for (std::size_t i = 0; i < count; ++i)
                layout.extra.push_back(i);
        }
        lastClass = key;
        lastLayout = &layouts.emplace(key, std::move(layout)).first->second; // nodes stay put: the pointer stays valid
        return *lastLayout;
    }

    std::vector<RawField> rawFields(const CtfEventView& e, const std::vector<std::size_t>& which)
    {
        std::vector<RawField> fields;
        for (std::size_t i : which) {
            RawField f;
            f.key = std::string(e.fieldName(i));
            switch (e.fieldKind(i)) {
            case CtfEventView::FieldKind::Unsigned:
                f.intValue = static_cast<std::int64_t>(e.unsignedAt(i));
                break;
            case CtfEventView::FieldKind::Signed:
                f.intValue = e.signedAt(i);
                break;
            case CtfEventView::FieldKind::String:
                f.stringValue = std::string(e.stringAt(i));
                break;
            case CtfEventView::FieldKind::UnsignedArray:
                f.stringValue = e.unsignedArrayText(i);
                break;
            case CtfEventView::FieldKind::Other:
                f.stringValue = "(compound field, not decoded)";
                break;
            }
            fields.push_back(std::move(f));
        }
        return fields;
    }
};

CtfEventDecoder::CtfEventDecoder(TraceDatabaseBuilder& builder, std::function<void(std::uint64_t)> progress,
                                 std::string source)
    : m_impl(std::make_unique<Impl>(Impl{builder, std::move(progress), std::move(source), {}, nullptr, nullptr, {}, 0, false, {}, {}, {}}))
{
    for (const EventSpec& spec : eventSpecs())
        m_impl->specsByName.emplace(spec.name, &spec);
}

CtfEventDecoder::~CtfEventDecoder() = default;

void CtfEventDecoder::onEvent(const CtfEventView& e)
{
    Impl& m = *m_impl;
    const ClassLayout& l = m.layout(e);
    // Integer fields by spec position, whatever their signedness in this trace.
    auto n = [&](std::size_t f) -> std::uint64_t {
        return l.kind[f] == CtfEventView::FieldKind::Signed ? static_cast<std::uint64_t>(e.signedAt(l.index[f]))
                                                            : e.unsignedAt(l.index[f]);
    };
    auto u32 = [&](std::size_t f) { return static_cast<std::uint32_t>(n(f)); };
    auto later = [&](std::size_t f) { return l.present[f] ? std::optional<std::uint64_t>(n(f)) : std::nullopt; };
    auto s32 = [&](std::size_t f) { return static_cast<std::int32_t>(n(f)); };
    // The payload index of an array field, checked to be one of unsigned integers.
    auto array = [&](std::size_t f) {
        if (l.kind[f] != CtfEventView::FieldKind::UnsignedArray)
            throw CtfReadError(fmt::format("{}event #{} {}: field '{}' is not an array of unsigned integers",
                                           m.where(), m.index, l.name, e.fieldName(l.index[f])));
        return l.index[f];
    };
    auto str = [&](std::size_t f) {
        return l.kind[f] == CtfEventView::FieldKind::String ? std::string(e.stringAt(l.index[f])) : std::string();
    };
    const std::optional<std::uint64_t> vtime =
        l.vtime ? std::optional<std::uint64_t>(e.unsignedAt(*l.vtime)) : std::nullopt;
    TraceDatabaseBuilder& b = m.builder;
    b.beginEvent(vtime);
    ++m.index;
    if (m.progress && (m.index & 0xFFFF) == 0)
        m.progress(m.index);

    switch (l.event) {
    case Event::RunConfiguration: {
        // Two runs' traces below one directory would interleave into one database of neither run.
        if (m.configured)
            throw CtfReadError(fmt::format("{}event #{} {}: a second run in this trace (a directory holding more than "
                                           "one vcm trace?); give each trace's own directory",
                                           m.where(), m.index, l.name));
        m.configured = true;
        tracer::RunConfiguration c;
        c.scenario = str(0);
        c.scenarioText = str(1);
        c.policy = str(2);
        c.knobs = str(3);
        c.overrides = str(4);
        c.vcmVersion = str(5);
        c.guests = str(6);
        c.seed = n(7);
        c.clusters = u32(8);
        c.coresPerCluster = u32(9);
        c.lineBytes = u32(10);
        c.l1Bytes = n(11);
        c.l1Ways = u32(12);
        c.l2Bytes = n(13);
        c.l2Ways = u32(14);
        c.systemCacheBytes = n(15);
        c.systemCacheWays = u32(16);
        c.coreMHz = n(17);
        // A damaged trace must not describe a machine no scenario could (clusters = 1073741826 would have the
        // database built a row per core, for ever): the same limits as a scenario's.
        if (const std::optional<std::string> problem = tracer::runConfigurationProblem(c))
            throw CtfReadError(fmt::format("{}event #{} {}: {}; the trace is damaged", m.where(), m.index, l.name,
                                           *problem));
        b.runConfiguration(c);
        break;
    }
    case Event::RunEnd:
        b.runEnd(n(0), n(1));
        break;
    case Event::Agent:
        b.agent(u32(0), static_cast<tracer::AgentRole>(n(1)), str(2), s32(3));
        break;
    case Event::VcpuCreate:
        b.vcpuCreate(u32(0), u32(1), u32(2), u32(3), str(4), str(5));
        break;
    case Event::VcpuRun:
        b.vcpuRun(n(0), u32(1), u32(2), u32(3));
        break;
    case Event::VcpuStop:
        b.vcpuStop(n(0), u32(1), u32(2), u32(3), static_cast<tracer::VcpuStopReason>(n(4)), n(5));
        break;
    case Event::VcpuMigrate:
        b.vcpuMigrate(n(0), u32(1), u32(2), u32(3), u32(4));
        break;
    case Event::TimerTick:
        b.timerTick(n(0), u32(1));
        break;
    case Event::TimerTicks: {
        // Checked against its own vtime_ns and last_vtime_ns before any row is made: a damaged count cannot
        // make millions.
        const tracer::TimerTicks ticks{u32(2), u32(3), n(4), n(5), n(6)};
        try {
            tracer::checkTimerTicks(ticks, n(0), n(1));
        } catch (const tracer::TimerTicksError& error) {
            throw CtfReadError(fmt::format("{}event #{} {}: {}", m.where(), m.index, l.name, error.what()));
        }
        for (std::uint64_t k = 0; k < ticks.count; ++k)
            b.timerTick(ticks.nanoseconds(k), ticks.core);
        break;
    }
    case Event::Trap:
        b.trap(n(0), u32(1), u32(2), u32(3), static_cast<tracer::TrapKind>(n(4)), u32(5), n(6), n(7), n(8));
        break;
    case Event::SctlrChange:
        b.sctlrChange(n(0), u32(1), u32(2), n(3), n(4));
        break;
    case Event::TvmChange:
        b.tvmChange(n(0), u32(1), u32(2), n(3) != 0);
        break;
    case Event::Console:
        b.console(n(0), u32(1), u32(2), str(3));
        break;
    case Event::Marker:
        b.marker(n(0), u32(1), u32(2), str(3));
        break;
    case Event::FlushRequest:
        b.flushRequest(n(0), u32(1), u32(2), u32(3), static_cast<tracer::FlushReason>(n(4)));
        break;
    case Event::FlushSegmentBegin:
        m.segmentStarts[(n(1) << 32) | u32(3)] = n(0);
        break;
    case Event::FlushSegmentEnd: {
        const std::uint64_t key = (n(1) << 32) | u32(3);
        const auto start = m.segmentStarts.find(key);
        const std::uint64_t begin = start != m.segmentStarts.end() ? start->second : n(0);
        if (start != m.segmentStarts.end())
            m.segmentStarts.erase(start);
        b.flushSegment(begin, n(0), u32(1), u32(2), u32(3), n(4), n(5), n(6) != 0, n(7), n(8));
        break;
    }
    case Event::Maintenance:
        b.maintenance(n(0), u32(1), s32(2), static_cast<tracer::MaintenanceOp>(n(3)), n(4), n(5), n(6), n(7), n(8));
        break;
    case Event::SetWayTraps: {
        // Three arrays of one length (the tracer wrote them from one batch): one trap each.
        for (const std::size_t f : {4u, 5u, 6u})
            array(f);
        const std::size_t count = e.arrayLengthAt(l.index[4]);
        if (e.arrayLengthAt(l.index[5]) != count || e.arrayLengthAt(l.index[6]) != count)
            throw CtfReadError(fmt::format("{}event #{} {}: trap_vtime_ns, op and operand differ in length ({}, {}, {})",
                                           m.where(), m.index, l.name, count, e.arrayLengthAt(l.index[5]),
                                           e.arrayLengthAt(l.index[6])));
        for (std::size_t i = 0; i < count; ++i)
            b.trap(e.unsignedElementAt(l.index[4], i), u32(1), u32(2), u32(3), tracer::TrapKind::SetWay,
                   static_cast<std::uint32_t>(e.unsignedElementAt(l.index[5], i)), e.unsignedElementAt(l.index[6], i),
                   0, 0);
        break;
    }
    case Event::SetWayTrapBatch: {
        auto bytes = [&](std::size_t f, std::vector<std::uint8_t>& into) {
            const std::size_t field = array(f);
            into.resize(e.arrayLengthAt(field));
            for (std::size_t i = 0; i < into.size(); ++i)
                into[i] = static_cast<std::uint8_t>(e.unsignedElementAt(field, i));
            return std::span<const std::uint8_t>(into);
        };
        tracer::SetWayTrapBatch batch;
        batch.vm = u32(1);
        batch.vcpu = u32(2);
        batch.core = u32(3);
        batch.coreMHz = u32(4);
        batch.count = u32(5);
        batch.firstCycles = n(6);
        batch.lastCycles = n(7);
        batch.firstOp = static_cast<std::uint8_t>(n(8));
        batch.firstOperand = n(9);
        batch.codes = bytes(10, m.codes);
        batch.literals = bytes(11, m.literals);
        try {
            b.setWayTraps(batch);
        } catch (const tracer::SetWayTrapCodeError& error) {
            throw CtfReadError(fmt::format("{}event #{} {}: {}", m.where(), m.index, l.name, error.what()));
        }
        break;
    }
    case Event::StaleRead: {
        tracer::StaleReadEvent r;
        r.vtimeNs = n(0);
        r.agent = u32(1);
        r.core = s32(2);
        r.address = n(3);
        r.staleWords = u32(4);
        r.versionReturned = n(5);
        r.latestVersion = n(6);
        r.latestWriter = u32(7);
        r.source = static_cast<tracer::ValueSourceKind>(n(8));
        r.sourceInstance = u32(9);
        r.latestHeldIn = static_cast<tracer::ValueSourceKind>(n(10));
        r.heldInstance = u32(11);
        b.staleRead(r, later(12));
        break;
    }
    case Event::Clobber: {
        tracer::ClobberEvent c;
        c.vtimeNs = n(0);
        c.address = n(1);
        c.words = u32(2);
        c.origin = static_cast<tracer::ValueSourceKind>(n(3));
        c.originInstance = u32(4);
        c.lineVersion = n(5);
        c.overwrittenVersion = n(6);
        c.cause = str(7);
        c.overwrittenWriteKnown = later(8).value_or(0) != 0;
        c.overwrittenWriter = static_cast<std::uint32_t>(later(9).value_or(0));
        c.overwrittenWriteNs = later(10).value_or(0);
        b.clobber(c);
        break;
    }
    case Event::StaleWindowOpen:
        b.staleWindowOpen(n(0), n(1), str(2), str(3));
        break;
    case Event::StaleWindowClose:
        b.staleWindowClose(n(0), n(1), str(2));
        break;
    case Event::ToolstackWrite:
        b.toolstackWrite(n(0), u32(1), u32(2), u32(3), n(4), n(5));
        break;
    case Event::Unknown:
        b.rawEvent(l.name, vtime, false, m.rawFields(e, l.extra));
        return;
    }
    if (!l.extra.empty())
        b.rawEvent(l.name, vtime, true, m.rawFields(e, l.extra));
}

void CtfEventDecoder::onDiscardedEvents(std::uint64_t count, const HostRange& range)
{
    m_impl->builder.dataLoss("events", count, range.beginNs, range.endNs);
}

void CtfEventDecoder::onDiscardedPackets(std::uint64_t count, const HostRange& range)
{
    m_impl->builder.dataLoss("packets", count, range.beginNs, range.endNs);
}

void CtfEventDecoder::onIdle()
{
    m_impl->builder.idle();
}

} // namespace vcm::analyzer

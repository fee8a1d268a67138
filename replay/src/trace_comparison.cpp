#include "vcm/replay/trace_comparison.h"

#include "vcm/analyzer/ctf_reader.h"
#include "vcm/analyzer/ctf_setway_traps.h"
#include "vcm/replay/recorded_run.h"
#include "vcm/tracer/timer_ticks.h"

#include <fmt/core.h>

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <variant>

namespace vcm::replay {
namespace {

using analyzer::CtfEventView;

// A field's value: integers as 64-bit patterns (signedness kept for printing), strings as text.
struct FieldValue {
    const std::string* key = nullptr;
    bool isSigned = false;
    std::variant<std::uint64_t, std::string> value;

    bool operator==(const FieldValue& other) const { return *key == *other.key && value == other.value; }
};

// What is compared: an event, or one set/way trap of a batch event (batches are compared trap by trap, so two
// traces whose batches split differently, or are of the two batch formats, still compare).
struct StoredEvent {
    const std::string* name = nullptr;
    std::vector<FieldValue> fields;
    std::uint64_t traceIndex = 0;         // the event's position in its trace
    const std::string* batch = nullptr;   // a set/way trap or a tick: the event that carried it
    std::size_t trapInBatch = 0;          // and its place there
};

// Interns names so millions of events share their strings.
class Names {
public:
    const std::string* intern(std::string_view text)
    {
        auto it = m_names.find(std::string(text));
        if (it == m_names.end())
            it = m_names.emplace(std::string(text), std::make_unique<std::string>(text)).first;
        return it->second.get();
    }

private:
    std::unordered_map<std::string, std::unique_ptr<std::string>> m_names;
};

StoredEvent capture(const CtfEventView& e, Names& names)
{
    StoredEvent stored;
    stored.name = names.intern(e.name());
    const std::size_t count = e.fieldCount();
    stored.fields.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        FieldValue f;
        f.key = names.intern(e.fieldName(i));
        switch (e.fieldKind(i)) {
        case CtfEventView::FieldKind::Unsigned:
            f.value = e.unsignedAt(i);
            break;
        case CtfEventView::FieldKind::Signed:
            f.isSigned = true;
            f.value = static_cast<std::uint64_t>(e.signedAt(i));
            break;
        case CtfEventView::FieldKind::String:
            f.value = std::string(e.stringAt(i));
            break;
        case CtfEventView::FieldKind::UnsignedArray:
            f.value = e.unsignedArrayText(i);
            break;
        case CtfEventView::FieldKind::Other:
            f.value = std::string("(compound)");
            break;
        }
        stored.fields.push_back(std::move(f));
    }
    return stored;
}

// The units of one trace event: the event itself, each set/way trap of a batch, or each tick of a timer_ticks
// (as the vcm:timer_tick it stands for, so traces from before timer_ticks compare too).
template <typename Take>
void captureUnits(const CtfEventView& e, Names& names, std::uint64_t traceIndex, Take&& take)
{
    if (e.name() == "vcm:timer_ticks") {
        auto field = [&](const char* key) { return e.unsignedField(key).value_or(0); };
        const tracer::TimerTicks ticks{static_cast<std::uint32_t>(field("core")),
                                       static_cast<std::uint32_t>(field("core_mhz")), field("first_cycles"),
                                       field("period_cycles"), field("count")};
        // As ingest does: the event must agree with its own times before any tick is made of it.
        try {
            tracer::checkTimerTicks(ticks, field("vtime_ns"), field("last_vtime_ns"));
        } catch (const tracer::TimerTicksError& error) {
            throw analyzer::CtfReadError(fmt::format("event {} (#{}): {}", e.name(), traceIndex, error.what()));
        }
        const std::string* batch = names.intern(e.name());
        for (std::uint64_t k = 0; k < ticks.count; ++k) {
            StoredEvent stored;
            stored.name = names.intern("vcm:timer_tick");
            stored.fields = {FieldValue{names.intern("vtime_ns"), false, ticks.nanoseconds(k)},
                             FieldValue{names.intern("core"), false, ticks.core}};
            stored.traceIndex = traceIndex;
            stored.batch = batch;
            stored.trapInBatch = k;
            take(std::move(stored));
        }
        return;
    }
    const auto traps = analyzer::setWayTrapsOf(e);
    if (!traps) {
        StoredEvent stored = capture(e, names);
        stored.traceIndex = traceIndex;
        take(std::move(stored));
        return;
    }
    const std::string* batch = names.intern(e.name());
    const std::string* name = names.intern("set/way trap");
    auto field = [&](std::string_view key, std::uint64_t value) {
        FieldValue f;
        f.key = names.intern(key);
        f.value = value;
        return f;
    };
    const std::uint64_t vm = e.unsignedField("vm").value_or(0);
    const std::uint64_t vcpu = e.unsignedField("vcpu").value_or(0);
    const std::uint64_t core = e.unsignedField("core").value_or(0);
    for (std::size_t i = 0; i < traps->size(); ++i) {
        const tracer::SetWayTrap& t = (*traps)[i];
        StoredEvent stored;
        stored.name = name;
        stored.fields = {field("vtime_ns", t.vtimeNs), field("vm", vm),    field("vcpu", vcpu),
                         field("core", core),          field("op", t.op), field("operand", t.operand)};
        stored.traceIndex = traceIndex;
        stored.batch = batch;
        stored.trapInBatch = i;
        take(std::move(stored));
    }
}

std::string valueText(const FieldValue& f)
{
    if (const auto* text = std::get_if<std::string>(&f.value)) {
        std::string shown = *text;
        if (shown.size() > 80)
            shown = shown.substr(0, 77) + "...";
        return fmt::format("\"{}\"", shown);
    }
    const std::uint64_t bits = std::get<std::uint64_t>(f.value);
    return f.isSigned ? std::to_string(static_cast<std::int64_t>(bits)) : std::to_string(bits);
}

EventText describe(const StoredEvent& e)
{
    EventText t;
    t.index = e.traceIndex;
    t.text = e.batch != nullptr ? fmt::format("{} {} of {} {{", *e.name, e.trapInBatch, *e.batch) : *e.name + " {";
    for (std::size_t i = 0; i < e.fields.size(); ++i) {
        t.text += fmt::format("{} {} = {}", i == 0 ? "" : ",", *e.fields[i].key, valueText(e.fields[i]));
        if (*e.fields[i].key == "vtime_ns")
            t.vtimeNs = std::get<std::uint64_t>(e.fields[i].value);
    }
    t.text += " }";
    return t;
}

std::string differenceOf(const StoredEvent& a, const StoredEvent& b)
{
    if (*a.name != *b.name)
        return fmt::format("event {} != {}", *a.name, *b.name);
    for (std::size_t i = 0; i < std::max(a.fields.size(), b.fields.size()); ++i) {
        if (i >= a.fields.size())
            return fmt::format("field {} only in the replay", *b.fields[i].key);
        if (i >= b.fields.size())
            return fmt::format("field {} only in the recording", *a.fields[i].key);
        if (!(a.fields[i] == b.fields[i]))
            return fmt::format("field {}: {} != {}", *a.fields[i].key, valueText(a.fields[i]), valueText(b.fields[i]));
    }
    return {};
}

struct Recorder final : analyzer::CtfVisitor {
    Names& names;
    std::vector<StoredEvent> units;
    std::uint64_t events = 0;
    explicit Recorder(Names& n) : names(n) {}
    void onEvent(const CtfEventView& e) override
    {
        captureUnits(e, names, events++, [&](StoredEvent&& unit) { units.push_back(std::move(unit)); });
    }
};

struct Comparer final : analyzer::CtfVisitor {
    Names& names;
    const std::vector<StoredEvent>& recorded;
    std::size_t contextEvents;
    std::uint64_t index = 0; // trace events of the replay
    std::size_t unit = 0;    // units compared
    std::deque<StoredEvent> recent;
    std::optional<Divergence> divergence;

    std::vector<std::string> unchecked;

    Comparer(Names& n, const std::vector<StoredEvent>& r, std::size_t c, std::vector<std::string> u)
        : names(n), recorded(r), contextEvents(c), unchecked(std::move(u))
    {
    }

    void onEvent(const CtfEventView& e) override
    {
        const std::uint64_t at = index++;
        if (divergence)
            return;
        captureUnits(e, names, at, [&](StoredEvent&& replayed) { compare(std::move(replayed)); });
    }

    void compare(StoredEvent&& replayed)
    {
        if (divergence)
            return;
        const std::size_t at = unit++;
        if (at >= recorded.size()) {
            diverge(std::nullopt, replayed, "the recording ended here; the replay goes on");
            return;
        }
        const bool fieldsUnchecked = *recorded[at].name == *replayed.name &&
                                     std::find(unchecked.begin(), unchecked.end(), *replayed.name) != unchecked.end();
        const std::string difference = fieldsUnchecked ? std::string() : differenceOf(recorded[at], replayed);
        if (!difference.empty()) {
            diverge(recorded[at], replayed, difference);
            return;
        }
        recent.push_back(std::move(replayed));
        if (recent.size() > contextEvents)
            recent.pop_front();
    }

    void diverge(const std::optional<StoredEvent>& a, const std::optional<StoredEvent>& b, std::string difference)
    {
        Divergence d;
        d.index = a ? a->traceIndex : b->traceIndex; // the recording's event, when it has one here
        if (a)
            d.recorded = describe(*a);
        if (b)
            d.replayed = describe(*b);
        d.difference = std::move(difference);
        for (const StoredEvent& e : recent)
            d.context.push_back(describe(e));
        divergence = std::move(d);
    }
};

} // namespace

Comparison compareTraces(const std::filesystem::path& recordedTrace, const std::filesystem::path& replayedTrace,
                         const std::vector<std::string>& unchecked, std::size_t contextEvents)
{
    Names names;
    Recorder recorder(names);
    Comparer comparer(names, recorder.units, contextEvents, unchecked);
    try {
        analyzer::readCtfTrace(recordedTrace, recorder);
        analyzer::readCtfTrace(replayedTrace, comparer);
    } catch (const analyzer::CtfReadError& e) {
        throw ReplayError(e.what());
    }
    Comparison result;
    result.recordedEvents = recorder.events;
    result.replayedEvents = comparer.index;
    result.divergence = std::move(comparer.divergence);
    if (!result.divergence && comparer.unit < recorder.units.size()) {
        comparer.diverge(recorder.units[comparer.unit], std::nullopt, "the replay ended here; the recording goes on");
        result.divergence = std::move(comparer.divergence);
    }
    return result;
}

} // namespace vcm::replay

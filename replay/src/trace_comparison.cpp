#include "vcm/replay/trace_comparison.h"

#include "vcm/analyzer/ctf_reader.h"
#include "vcm/replay/recorded_run.h"

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

struct StoredEvent {
    const std::string* name = nullptr;
    std::vector<FieldValue> fields;
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

EventText describe(const StoredEvent& e, std::uint64_t index)
{
    EventText t;
    t.index = index;
    t.text = *e.name + " {";
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
    if (*a.name == "vcm:setway_traps" && *b.name == "vcm:setway_trap_batch")
        return "the recording holds set/way traps in the first batch format (vcm:setway_traps), this vcm writes "
               "vcm:setway_trap_batch: events of two formats are not compared (vcm ingest gives both the same trap "
               "rows to compare)";
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
    std::vector<StoredEvent> events;
    explicit Recorder(Names& n) : names(n) {}
    void onEvent(const CtfEventView& e) override { events.push_back(capture(e, names)); }
};

struct Comparer final : analyzer::CtfVisitor {
    Names& names;
    const std::vector<StoredEvent>& recorded;
    std::size_t contextEvents;
    std::uint64_t index = 0;
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
        StoredEvent replayed = capture(e, names);
        if (at >= recorded.size()) {
            diverge(at, std::nullopt, replayed, "the recording ended here; the replay goes on");
            return;
        }
        const bool fieldsUnchecked = *recorded[at].name == *replayed.name &&
                                     std::find(unchecked.begin(), unchecked.end(), *replayed.name) != unchecked.end();
        const std::string difference = fieldsUnchecked ? std::string() : differenceOf(recorded[at], replayed);
        if (!difference.empty()) {
            diverge(at, recorded[at], replayed, difference);
            return;
        }
        recent.push_back(std::move(replayed));
        if (recent.size() > contextEvents)
            recent.pop_front();
    }

    void diverge(std::uint64_t at, const std::optional<StoredEvent>& a, const std::optional<StoredEvent>& b,
                 std::string difference)
    {
        Divergence d;
        d.index = at;
        if (a)
            d.recorded = describe(*a, at);
        if (b)
            d.replayed = describe(*b, at);
        d.difference = std::move(difference);
        std::uint64_t first = at - recent.size();
        for (const StoredEvent& e : recent)
            d.context.push_back(describe(e, first++));
        divergence = std::move(d);
    }
};

} // namespace

Comparison compareTraces(const std::filesystem::path& recordedTrace, const std::filesystem::path& replayedTrace,
                         const std::vector<std::string>& unchecked, std::size_t contextEvents)
{
    Names names;
    Recorder recorder(names);
    Comparer comparer(names, recorder.events, contextEvents, unchecked);
    try {
        analyzer::readCtfTrace(recordedTrace, recorder);
        analyzer::readCtfTrace(replayedTrace, comparer);
    } catch (const analyzer::CtfReadError& e) {
        throw ReplayError(e.what());
    }
    Comparison result;
    result.recordedEvents = recorder.events.size();
    result.replayedEvents = comparer.index;
    result.divergence = std::move(comparer.divergence);
    if (!result.divergence && comparer.index < recorder.events.size()) {
        comparer.diverge(comparer.index, recorder.events[comparer.index], std::nullopt,
                         "the replay ended here; the recording goes on");
        result.divergence = std::move(comparer.divergence);
    }
    return result;
}

} // namespace vcm::replay

// Reads a CTF trace (a vcm run recorded by LTTng) through the Babeltrace2 C API: src.ctf.fs for every trace
// below a directory, flt.utils.muxer for one time-ordered stream, and an in-process sink that hands each event
// to a visitor. No text output is parsed. Babeltrace2 types stay inside the analyzer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vcm::analyzer {

class CtfReadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One event while it is being visited (valid only during the callback).
class CtfEventView {
public:
    explicit CtfEventView(const void* event) : m_event(event) {}
    std::string_view name() const;
    // Payload fields by name; nothing if absent or of another kind. Enumerations read as integers.
    std::optional<std::uint64_t> unsignedField(std::string_view field) const;
    std::optional<std::int64_t> signedField(std::string_view field) const;
    std::optional<std::string_view> stringField(std::string_view field) const;
    // The length of an array field (vcm:setway_traps' per-trap values); nothing if absent or not an array.
    std::optional<std::size_t> arrayLength(std::string_view field) const;

    // Positional access for readers that resolve field names once per event class (classKey() is the
    // same for every event of one class in one trace) and then read by index.
    // UnsignedArray: a static or dynamic array of unsigned integers.
    enum class FieldKind { Unsigned, Signed, String, UnsignedArray, Other };
    const void* classKey() const;
    std::size_t fieldCount() const;
    std::string_view fieldName(std::size_t index) const;
    FieldKind fieldKind(std::size_t index) const;
    std::uint64_t unsignedAt(std::size_t index) const;
    std::int64_t signedAt(std::size_t index) const;
    std::string_view stringAt(std::size_t index) const;
    std::size_t arrayLengthAt(std::size_t index) const;
    std::uint64_t unsignedElementAt(std::size_t index, std::size_t element) const;
    // "[1, 2, 3]": an unsigned array as text (unknown events' args, trace comparison).
    std::string unsignedArrayText(std::size_t index) const;

private:
    const void* m_event;
};

class CtfVisitor {
public:
    virtual ~CtfVisitor() = default;
    virtual void onEvent(const CtfEventView& event) = 0;
    // The tracer discarded events (ring buffer full) or whole packets were lost: conclusions drawn from the
    // trace are uncertain over that stretch.
    // The host-clock range (ns from the clock's origin) of the gap, when the trace says.
    struct HostRange {
        std::optional<std::int64_t> beginNs;
        std::optional<std::int64_t> endNs;
    };
    virtual void onDiscardedEvents(std::uint64_t /*count*/, const HostRange& /*range*/) {}
    virtual void onDiscardedPackets(std::uint64_t /*count*/, const HostRange& /*range*/) {}
    // A live read has no data for now and is about to poll again (readLiveTrace only): a visitor that hands
    // rows on in time (a following ingest) gets the chance to, even when no event comes.
    virtual void onIdle() {}
};

// Visits every event of every CTF trace found below `directory` in time order. Throws CtfReadError naming
// the directory when there is no trace or Babeltrace2 reports an error.
void readCtfTrace(const std::filesystem::path& directory, CtfVisitor& visitor);

// Visits the events of a live LTTng session as they arrive through lttng-relayd (src.ctf.lttng-live, URL
// net://HOST/host/TARGET/SESSION) and returns when the session is destroyed. A session that does not exist
// (yet, or any more) ends the read at once.
void readLiveTrace(const std::string& url, CtfVisitor& visitor);

} // namespace vcm::analyzer

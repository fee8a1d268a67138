// The Babeltrace2 graph behind readCtfTrace: src.ctf.fs (one per trace) -> flt.utils.muxer -> simple sink.
#include "vcm/analyzer/ctf_reader.h"

#include "ctf_metadata_check.h"
#include "ctf_stream_check.h"

#include <babeltrace2/babeltrace.h>
#include <fmt/core.h>

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace vcm::analyzer {
namespace {

const bt_field* payloadMember(const void* event, std::string_view name)
{
    const bt_field* payload = bt_event_borrow_payload_field_const(static_cast<const bt_event*>(event));
    if (payload == nullptr)
        return nullptr;
    return bt_field_structure_borrow_member_field_by_name_const(payload, std::string(name).c_str());
}

std::optional<std::int64_t> nanoseconds(const bt_clock_snapshot* snapshot)
{
    std::int64_t ns = 0;
    if (snapshot == nullptr || bt_clock_snapshot_get_ns_from_origin(snapshot, &ns) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
        return std::nullopt;
    return ns;
}

const bt_field* payloadAt(const void* event, std::size_t index)
{
    const bt_field* payload = bt_event_borrow_payload_field_const(static_cast<const bt_event*>(event));
    return bt_field_structure_borrow_member_field_by_index_const(payload, index);
}

// What Babeltrace2 said went wrong: its innermost error causes (the specific ones), without the
// component addresses and states it appends for its own developers.
std::string describeAndRelease(const bt_error* error)
{
    std::string text;
    const std::uint64_t count = bt_error_get_cause_count(error);
    for (std::uint64_t i = 0; i < count && i < 2; ++i) {
        std::string message = bt_error_cause_get_message(bt_error_borrow_cause_by_index(error, i));
        if (const std::size_t noise = message.find("addr="); noise != std::string::npos) {
            const std::size_t cut = message.find_last_of(":,", noise);
            message.resize(cut == std::string::npos ? noise : cut);
        }
        text += fmt::format("{}{}", text.empty() ? "" : "; ", message);
    }
    bt_error_release(error);
    return text.empty() ? "no cause given" : text;
}

std::string babeltraceErrorCauses()
{
    const bt_error* error = bt_current_thread_take_error();
    return error == nullptr ? "no cause given" : describeAndRelease(error);
}

struct SinkState {
    CtfVisitor* visitor = nullptr;
    // An exception the visitor threw. It must not unwind through Babeltrace2's C frames: it is kept here,
    // the sink reports an error to the graph, and the reader rethrows it once the graph has returned.
    std::exception_ptr failure;
};

void deliver(SinkState& state, const bt_message* message)
{
    switch (bt_message_get_type(message)) {
    case BT_MESSAGE_TYPE_EVENT:
        state.visitor->onEvent(CtfEventView(bt_message_event_borrow_event_const(message)));
        break;
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
        std::uint64_t discarded = 1; // "if this property is missing, the number is at least one"
        bt_message_discarded_events_get_count(message, &discarded);
        CtfVisitor::HostRange range;
        const bt_stream_class* cls =
            bt_stream_borrow_class_const(bt_message_discarded_events_borrow_stream_const(message));
        if (bt_stream_class_discarded_events_have_default_clock_snapshots(cls)) {
            range.beginNs = nanoseconds(bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(message));
            range.endNs = nanoseconds(bt_message_discarded_events_borrow_end_default_clock_snapshot_const(message));
        }
        state.visitor->onDiscardedEvents(discarded, range);
        break;
    }
    case BT_MESSAGE_TYPE_DISCARDED_PACKETS: {
        std::uint64_t lost = 1;
        bt_message_discarded_packets_get_count(message, &lost);
        CtfVisitor::HostRange range;
        const bt_stream_class* cls =
            bt_stream_borrow_class_const(bt_message_discarded_packets_borrow_stream_const(message));
        if (bt_stream_class_discarded_packets_have_default_clock_snapshots(cls)) {
            range.beginNs = nanoseconds(bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(message));
            range.endNs = nanoseconds(bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(message));
        }
        state.visitor->onDiscardedPackets(lost, range);
        break;
    }
    default:
        break;
    }
}

// After a failed graph run: the visitor's own exception when it threw one (Babeltrace2's error, which only
// says that the sink failed, is dropped), else nothing and the caller reports Babeltrace2's causes.
void rethrowVisitorFailure(const SinkState& state)
{
    if (state.failure) {
        bt_current_thread_clear_error();
        std::rethrow_exception(state.failure);
    }
}

bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator* iterator, void* data)
{
    auto& state = *static_cast<SinkState*>(data);
    bt_message_array_const messages = nullptr;
    std::uint64_t count = 0;
    switch (bt_message_iterator_next(iterator, &messages, &count)) {
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
        break;
    default:
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
    for (std::uint64_t i = 0; i < count; ++i) {
        if (!state.failure) {
            try {
                deliver(state, messages[i]);
            } catch (...) {
                state.failure = std::current_exception();
            }
        }
        bt_message_put_ref(messages[i]);
    }
    if (state.failure)
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

// Adds vcm's sink to `graph`, fed by `output`, and runs the graph to its end. A live graph (`live`) answers
// "again" while the relay has nothing new: the visitor's onIdle runs, then the relay is polled 10 ms later.
// Returns `failed` with Babeltrace2's causes when the graph failed on its own, else nothing (the visitor's
// own failure, if any, is in state.failure for rethrowVisitorFailure).
std::string runIntoSink(bt_graph* graph, const bt_port_output* output, SinkState& state, bool live,
                        const std::string& failed)
{
    const bt_component_sink* sink = nullptr;
    bt_graph_add_simple_sink_component(graph, "vcm", nullptr, consume, nullptr, &state, &sink);
    bt_graph_connect_ports(graph, output, bt_component_sink_borrow_input_port_by_index_const(sink, 0), nullptr);
    bt_graph_run_status status = BT_GRAPH_RUN_STATUS_AGAIN;
    while (status == BT_GRAPH_RUN_STATUS_AGAIN) {
        status = bt_graph_run(graph);
        if (status != BT_GRAPH_RUN_STATUS_AGAIN || !live)
            continue;
        try {
            state.visitor->onIdle();
        } catch (...) {
            state.failure = std::current_exception();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (status != BT_GRAPH_RUN_STATUS_OK && !state.failure)
        return fmt::format("{} ({})", failed, babeltraceErrorCauses());
    // src.ctf.fs (2.0) ends a stream quietly at a packet it cannot decode -- the run says OK with the events
    // before it -- but leaves its error on the thread. A damaged trace must not pass for a shorter one, and the
    // error must not be left for the next API call, which would abort on it (a library precondition).
    if (status == BT_GRAPH_RUN_STATUS_OK && !state.failure)
        if (const bt_error* error = bt_current_thread_take_error())
            return fmt::format("{} (it stopped early at a part it could not decode: {}); the trace is damaged", failed,
                               describeAndRelease(error));
    return {};
}

std::vector<std::filesystem::path> traceDirectories(const std::filesystem::path& root)
{
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    if (std::filesystem::exists(root / "metadata", ec))
        found.push_back(root);
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && it->path().filename() == "metadata" && it->path().parent_path() != root)
            found.push_back(it->path().parent_path());
    return found;
}

} // namespace

std::string_view CtfEventView::name() const
{
    const bt_event_class* cls = bt_event_borrow_class_const(static_cast<const bt_event*>(m_event));
    const char* name = bt_event_class_get_name(cls);
    return name != nullptr ? name : "";
}

std::optional<std::uint64_t> CtfEventView::unsignedField(std::string_view field) const
{
    const bt_field* f = payloadMember(m_event, field);
    if (f == nullptr || !bt_field_class_type_is(bt_field_get_class_type(f), BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
        return std::nullopt;
    return bt_field_integer_unsigned_get_value(f);
}

std::optional<std::int64_t> CtfEventView::signedField(std::string_view field) const
{
    const bt_field* f = payloadMember(m_event, field);
    if (f == nullptr || !bt_field_class_type_is(bt_field_get_class_type(f), BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
        return std::nullopt;
    return bt_field_integer_signed_get_value(f);
}

std::optional<std::string_view> CtfEventView::stringField(std::string_view field) const
{
    const bt_field* f = payloadMember(m_event, field);
    if (f == nullptr || bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
        return std::nullopt;
    return std::string_view(bt_field_string_get_value(f), bt_field_string_get_length(f));
}

const void* CtfEventView::classKey() const
{
    return bt_event_borrow_class_const(static_cast<const bt_event*>(m_event));
}

std::size_t CtfEventView::fieldCount() const
{
    const bt_field* payload = bt_event_borrow_payload_field_const(static_cast<const bt_event*>(m_event));
    return payload != nullptr ? bt_field_class_structure_get_member_count(bt_field_borrow_class_const(payload)) : 0;
}

std::string_view CtfEventView::fieldName(std::size_t index) const
{
    const bt_field* payload = bt_event_borrow_payload_field_const(static_cast<const bt_event*>(m_event));
    const bt_field_class_structure_member* member =
        bt_field_class_structure_borrow_member_by_index_const(bt_field_borrow_class_const(payload), index);
    return bt_field_class_structure_member_get_name(member);
}

CtfEventView::FieldKind CtfEventView::fieldKind(std::size_t index) const
{
    const bt_field_class_type type = bt_field_get_class_type(payloadAt(m_event, index));
    if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
        return FieldKind::Unsigned;
    if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
        return FieldKind::Signed;
    if (type == BT_FIELD_CLASS_TYPE_STRING)
        return FieldKind::String;
    if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_ARRAY)) {
        const bt_field_class* element =
            bt_field_class_array_borrow_element_field_class_const(bt_field_borrow_class_const(payloadAt(m_event, index)));
        if (bt_field_class_type_is(bt_field_class_get_type(element), BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
            return FieldKind::UnsignedArray;
    }
    return FieldKind::Other;
}

std::uint64_t CtfEventView::unsignedAt(std::size_t index) const
{
    return bt_field_integer_unsigned_get_value(payloadAt(m_event, index));
}

std::int64_t CtfEventView::signedAt(std::size_t index) const
{
    return bt_field_integer_signed_get_value(payloadAt(m_event, index));
}

std::size_t CtfEventView::arrayLengthAt(std::size_t index) const
{
    return bt_field_array_get_length(payloadAt(m_event, index));
}

std::uint64_t CtfEventView::unsignedElementAt(std::size_t index, std::size_t element) const
{
    return bt_field_integer_unsigned_get_value(
        bt_field_array_borrow_element_field_by_index_const(payloadAt(m_event, index), element));
}

std::string CtfEventView::unsignedArrayText(std::size_t index) const
{
    std::string text = "[";
    const std::size_t length = arrayLengthAt(index);
    for (std::size_t i = 0; i < length; ++i)
        text += (i == 0 ? "" : ", ") + std::to_string(unsignedElementAt(index, i));
    return text + "]";
}

std::optional<std::size_t> CtfEventView::arrayLength(std::string_view field) const
{
    const bt_field* f = payloadMember(m_event, field);
    if (f == nullptr || !bt_field_class_type_is(bt_field_get_class_type(f), BT_FIELD_CLASS_TYPE_ARRAY))
        return std::nullopt;
    return bt_field_array_get_length(f);
}

std::string_view CtfEventView::stringAt(std::size_t index) const
{
    const bt_field* f = payloadAt(m_event, index);
    return std::string_view(bt_field_string_get_value(f), bt_field_string_get_length(f));
}

void readCtfTrace(const std::filesystem::path& directory, CtfVisitor& visitor)
{
    const std::vector<std::filesystem::path> traces = traceDirectories(directory);
    if (traces.empty())
        throw CtfReadError(fmt::format("{}: no CTF trace (no metadata file) below this directory", directory.string()));
    for (const std::filesystem::path& trace : traces) {
        if (const std::optional<std::string> problem = ctfMetadataProblem(trace / "metadata"))
            throw CtfReadError(*problem);
        if (const std::optional<std::string> problem = ctfStreamProblem(trace, ctfMetadataText(trace / "metadata")))
            throw CtfReadError(*problem);
    }

    // Whatever an earlier Babeltrace2 call left on this thread would make the next API call abort.
    bt_current_thread_clear_error();
    const bt_plugin* ctf = nullptr;
    const bt_plugin* utils = nullptr;
    if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &ctf) != BT_PLUGIN_FIND_STATUS_OK ||
        bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &utils) != BT_PLUGIN_FIND_STATUS_OK)
        throw CtfReadError("Babeltrace2: the ctf and utils plugins are not installed (Debian package babeltrace2)");

    bt_graph* graph = bt_graph_create(0);
    SinkState state;
    state.visitor = &visitor;
    std::string failure;
    const bt_component_filter* muxer = nullptr;
    bt_value* noParams = bt_value_map_create(); // the muxer iterates its parameters: an empty map, not null
    bt_graph_add_filter_component(graph, bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer"),
                                  "muxer", noParams, BT_LOGGING_LEVEL_NONE, &muxer);
    bt_value_put_ref(noParams);
    for (std::size_t i = 0; i < traces.size() && failure.empty(); ++i) {
        bt_value* params = bt_value_map_create();
        bt_value* inputs = nullptr;
        bt_value_map_insert_empty_array_entry(params, "inputs", &inputs);
        bt_value_array_append_string_element(inputs, traces[i].c_str());
        const bt_component_source* source = nullptr;
        if (bt_graph_add_source_component(graph,
                                          bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
                                          fmt::format("source{}", i).c_str(), params, BT_LOGGING_LEVEL_NONE,
                                          &source) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
            failure = fmt::format("{}: Babeltrace2 cannot open this CTF trace ({})", traces[i].string(),
                                  babeltraceErrorCauses());
        } else {
            for (std::uint64_t port = 0; port < bt_component_source_get_output_port_count(source); ++port)
                bt_graph_connect_ports(
                    graph, bt_component_source_borrow_output_port_by_index_const(source, port),
                    bt_component_filter_borrow_input_port_by_index_const(
                        muxer, bt_component_filter_get_input_port_count(muxer) - 1),
                    nullptr);
        }
        bt_value_put_ref(params);
    }
    if (failure.empty())
        failure = runIntoSink(graph, bt_component_filter_borrow_output_port_by_index_const(muxer, 0), state,
                              false, fmt::format("{}: Babeltrace2 failed while reading the trace", directory.string()));
    bt_graph_put_ref(graph);
    bt_plugin_put_ref(ctf);
    bt_plugin_put_ref(utils);
    rethrowVisitorFailure(state);
    if (!failure.empty())
        throw CtfReadError(failure);
}

void readLiveTrace(const std::string& url, CtfVisitor& visitor)
{
    bt_current_thread_clear_error();
    const bt_plugin* ctf = nullptr;
    if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &ctf) != BT_PLUGIN_FIND_STATUS_OK)
        throw CtfReadError("Babeltrace2: the ctf plugin is not installed (Debian package babeltrace2)");
    bt_graph* graph = bt_graph_create(0);
    SinkState state;
    state.visitor = &visitor;
    bt_value* params = bt_value_map_create();
    bt_value* inputs = nullptr;
    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs);
    bt_value_array_append_string_element(inputs, url.c_str());
    bt_value_map_insert_string_entry(params, "session-not-found-action", "end");
    const bt_component_source* source = nullptr;
    std::string failure;
    if (bt_graph_add_source_component(graph, bt_plugin_borrow_source_component_class_by_name_const(ctf, "lttng-live"),
                                      "live", params, BT_LOGGING_LEVEL_NONE,
                                      &source) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        failure = fmt::format("{}: Babeltrace2 cannot create a live source for this URL", url);
    } else {
        // The live source has one output port, already muxed.
        failure = runIntoSink(graph, bt_component_source_borrow_output_port_by_index_const(source, 0), state, true,
                              fmt::format("{}: Babeltrace2 failed while reading the live session", url));
    }
    bt_value_put_ref(params);
    bt_graph_put_ref(graph);
    bt_plugin_put_ref(ctf);
    rethrowVisitorFailure(state);
    if (!failure.empty())
        throw CtfReadError(failure);
}

} // namespace vcm::analyzer

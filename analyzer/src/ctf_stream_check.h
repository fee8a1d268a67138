// A check of the packet sizes in a CTF trace's data streams before Babeltrace2 reads them. Babeltrace2 2.0's
// CTF message iterator keeps a packet's content and total sizes as signed 64-bit numbers and asserts that both
// are known or both unknown (msg-iter.c, set_current_packet_content_sizes); Debian's build keeps BT_ASSERT, so
// a packet context whose content_size has its top bit set (one flipped byte of the stream file) aborts the
// whole process instead of failing the read (issue 20). vcm checks every packet's magic and sizes first.
//
// The packet header and context are not parsed from the metadata in general: the check applies when the
// metadata declares LTTng-UST's layout (packet.header: magic, uuid, stream_id, stream_instance_id; context:
// timestamp_begin, timestamp_end, content_size, packet_size, ...; byte-aligned integers), which puts
// content_size and packet_size at bytes 48 and 56 of every packet. For any other layout it checks nothing and
// Babeltrace2 alone judges the trace.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace vcm::analyzer {

// Why a data stream of the trace in `trace` (the directory holding `metadata`, whose TSDL text is `tsdl`)
// cannot be read, or nothing.
std::optional<std::string> ctfStreamProblem(const std::filesystem::path& trace, const std::string& tsdl);

} // namespace vcm::analyzer

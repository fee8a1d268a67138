// The rows of a trace database (db/sql/schema.sql) as plain values: what TraceDatabaseBuilder makes from
// the events and TraceRowWriter inserts. Every row is complete when it is made (no UPDATE follows) and carries
// its id when its table has one, numbered by the builder (RowIds) in the order the rows are made, so the same
// trace gives the same ids whatever the batching. Text columns are either std::string or a `const char*`
// label with static storage (trace_labels.h); nullptr in a nullable label column is NULL.
#pragma once

#include "vcm/tracer/event_sink.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

// The row types live in their own namespace: vcm::analyzer has other "rows" (the report's) and two classes of
// one name in one namespace are an ODR violation the linker resolves silently.
namespace vcm::analyzer::rows {

struct MetaRow {
    std::string key;
    std::string value;
};

struct RunRow {
    std::optional<tracer::RunConfiguration> configuration;
    std::uint64_t endTs = 0;
    std::optional<std::uint64_t> instructions;
    bool complete = false;
};

struct MachineRow {
    tracer::RunConfiguration configuration;
};

struct CoreRow {
    std::uint32_t id = 0;
    std::uint32_t cluster = 0;
};

struct VmRow {
    std::uint32_t id = 0;
    std::optional<std::string> name;
};

struct VcpuRow {
    std::int64_t id = 0;
    std::uint32_t vm = 0;
    std::uint32_t idx = 0;
    std::optional<std::string> name;
    std::optional<std::uint32_t> agent;
};

struct AgentRow {
    std::uint32_t id = 0;
    const char* role = nullptr;
    std::string name;
    std::optional<std::int64_t> core;
};

struct SchedSliceRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint64_t dur = 0;
    std::uint32_t core = 0;
    std::int64_t vcpuId = 0;
    const char* endReason = nullptr;
    std::optional<std::uint64_t> instructions;
    bool open = false;
};

struct MigrationRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::int64_t vcpuId = 0;
    std::uint32_t fromCore = 0;
    std::uint32_t toCore = 0;
};

struct TimerTickRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint32_t core = 0;
};

struct SctlrStateRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint64_t dur = 0;
    std::int64_t vcpuId = 0;
    std::optional<std::uint64_t> value; // nothing: the 'reset' row, value unknown (m, c, i NULL too)
    const char* state = nullptr;
    bool open = false;
};

struct TvmStateRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint64_t dur = 0;
    std::int64_t vcpuId = 0;
    bool open = false;
};

struct TrapRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::int64_t vcpuId = 0;
    std::uint32_t core = 0;
    const char* kind = nullptr;
    std::uint32_t detail = 0;
    std::string what;
    std::uint64_t operand = 0;
    std::uint64_t oldValue = 0;
    std::uint64_t newValue = 0;
    bool cachesOn = false;
};

struct FlushRow {
    std::int64_t id = 0;
    std::uint32_t vm = 0;
    std::uint32_t flushId = 0;
    std::int64_t vcpuId = 0;
    std::uint64_t ts = 0;
    std::uint64_t dur = 0;
    const char* reason = nullptr;
    std::uint32_t segments = 0;
    std::uint64_t pages = 0;
    std::uint64_t longestSegment = 0;
    bool finished = false;
};

struct FlushSegmentRow {
    std::int64_t id = 0;
    std::optional<std::int64_t> flush;
    std::uint32_t vm = 0;
    std::uint32_t flushId = 0;
    std::uint32_t seq = 0;
    std::uint32_t core = 0;
    std::uint64_t ts = 0;
    std::uint64_t dur = 0;
    std::uint64_t pages = 0;
    std::uint64_t regionsSkipped = 0;
    bool finished = false;
    std::uint64_t resumeGfn = 0;
    std::uint64_t unpreemptedDelayNs = 0;
};

struct MaintenanceRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint32_t agent = 0;
    std::optional<std::int64_t> core;
    const char* op = nullptr;
    bool bySetWay = false;
    std::uint64_t address = 0;
    std::uint64_t bytes = 0;
    std::optional<std::int64_t> level;
    bool trapped = false;
    std::uint64_t linesCleaned = 0;
    std::uint64_t linesInvalidated = 0;
    std::uint64_t dirtyDiscarded = 0;
};

struct MaintenanceSummaryRow {
    std::int64_t id = 0;
    std::uint32_t agent = 0;
    const char* op = nullptr;
    bool bySetWay = false;
    bool trapped = false;
    std::uint64_t count = 0;
    std::uint64_t firstTs = 0;
    std::uint64_t lastTs = 0;
    std::int64_t firstId = 0;
    std::int64_t lastId = 0;
    std::uint64_t linesCleaned = 0;
    std::uint64_t linesInvalidated = 0;
    std::uint64_t dirtyDiscarded = 0;
    std::optional<std::string> cores;
};

struct StaleReadRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint32_t agent = 0;
    std::optional<std::int64_t> core;
    std::uint64_t address = 0;
    std::uint32_t staleWords = 0;
    std::uint64_t versionReturned = 0;
    std::uint64_t latestVersion = 0;
    std::uint32_t latestWriter = 0;
    const char* source = nullptr;
    std::uint32_t sourceInstance = 0;
    const char* latestHeldIn = nullptr;
    std::uint32_t heldInstance = 0;
    std::optional<std::uint64_t> latestWriteTs; // absent in traces from before the field existed
};

struct ClobberRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint64_t address = 0;
    std::uint32_t words = 0;
    const char* origin = nullptr;
    std::uint32_t originInstance = 0;
    std::uint64_t lineVersion = 0;
    std::uint64_t overwrittenVersion = 0;
    std::string cause;
    std::optional<std::uint32_t> overwrittenWriter;  // the destroyed write, when the trace knows it
    std::optional<std::uint64_t> overwrittenWriteTs;
};

struct StaleWindowRow {
    std::int64_t id = 0;
    std::uint64_t page = 0;
    std::uint64_t ts = 0;
    std::uint64_t dur = 0;
    std::string observers;
    std::string cause;
    std::optional<std::string> resolvedBy;
    bool open = false;
};

struct ToolstackActionRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::uint32_t vm = 0;
    std::uint32_t core = 0;
    const char* mode = nullptr;
    std::uint64_t ipa = 0;
    std::uint64_t bytes = 0;
};

struct MarkerRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::int64_t vcpuId = 0;
    std::string name;
};

struct ConsoleRow {
    std::int64_t id = 0;
    std::uint64_t ts = 0;
    std::int64_t vcpuId = 0;
    std::string text;
};

struct DataLossRow {
    std::int64_t id = 0;
    std::string kind;
    std::uint64_t count = 0;
    std::uint64_t eventIndex = 0;
    std::optional<std::uint64_t> tsBefore;
    std::optional<std::uint64_t> tsAfter;
    std::optional<std::int64_t> hostBegin;
    std::optional<std::int64_t> hostEnd;
};

struct RawEventRow {
    std::int64_t id = 0;
    std::uint64_t eventIndex = 0;
    std::string name;
    std::optional<std::uint64_t> ts;
    bool known = false;
};

struct ArgRow {
    std::int64_t id = 0;
    std::int64_t rawEvent = 0;
    std::string key;
    std::optional<std::int64_t> intValue;
    std::optional<std::string> stringValue;
};

// Rows of every table, one vector per table, handed from the builder to the writer in one piece.
template <typename... Rows>
class RowBatchOf {
public:
    template <typename Row>
    void add(Row&& row)
    {
        std::get<std::vector<std::decay_t<Row>>>(m_tables).push_back(std::forward<Row>(row));
        ++m_rows;
    }
    std::size_t rows() const { return m_rows; }
    bool empty() const { return m_rows == 0; }
    // Empties every table and keeps the vectors' capacity (batches are recycled).
    void clear()
    {
        std::apply([](auto&... table) { (table.clear(), ...); }, m_tables);
        m_rows = 0;
    }
    template <typename Row>
    const std::vector<Row>& table() const
    {
        return std::get<std::vector<Row>>(m_tables);
    }
private:
    std::tuple<std::vector<Rows>...> m_tables;
    std::size_t m_rows = 0;
};

// The next id of each table whose rows the builder numbers (from 1, as SQLite would).
template <typename... Rows>
class RowIdsOf {
public:
    // Whether the rows of this type are numbered here.
    template <typename Row>
    static constexpr bool numbers = (std::is_same_v<Row, Rows> || ...);

    template <typename Row>
    std::int64_t take()
    {
        return std::get<Next<Row>>(m_next).value++;
    }

private:
    template <typename Row>
    struct Next {
        std::int64_t value = 1;
    };
    std::tuple<Next<Rows>...> m_next;
};

using RowBatch = RowBatchOf<MetaRow, RunRow, MachineRow, CoreRow, VmRow, VcpuRow, AgentRow, SchedSliceRow, MigrationRow,
                            TimerTickRow, SctlrStateRow, TvmStateRow, TrapRow, FlushRow, FlushSegmentRow, MaintenanceRow,
                            MaintenanceSummaryRow, StaleReadRow, ClobberRow, StaleWindowRow, ToolstackActionRow,
                            MarkerRow, ConsoleRow, DataLossRow, RawEventRow, ArgRow>;

// (maintenance_summary is numbered by MaintenanceSummary; vm, agent and core rows carry the trace's ids.)
using RowIds = RowIdsOf<VcpuRow, SchedSliceRow, MigrationRow, TimerTickRow, SctlrStateRow, TvmStateRow, TrapRow,
                        FlushRow, FlushSegmentRow, MaintenanceRow, StaleReadRow, ClobberRow, StaleWindowRow,
                        ToolstackActionRow, MarkerRow, ConsoleRow, DataLossRow, RawEventRow, ArgRow>;

} // namespace vcm::analyzer::rows

namespace vcm::analyzer {
using rows::RowBatch;
using rows::RowIds;
} // namespace vcm::analyzer

// libFuzzer harness: the analyzer's row building, vcm::analyzer::TraceDatabaseBuilder (docs/fuzzing.md).
//
// Input: a short sequence of the builder's event calls with their field values, as a damaged or hostile trace
// could hand them over through the CTF decoder (analyzer/src/ctf_event_decoder.cpp): any ids, times, enumeration
// values and strings, events without their partners, in any order. Mirroring the decoder, run_configuration comes
// at most once and only within tracer/include/vcm/tracer/machine_limits.h (the decoder refuses the trace
// otherwise), and data loss is of "events" or "packets". Then finish(). The builder may refuse with its documented
// errors: db::DatabaseError from the writer (a row the schema refuses, such as a second agent with one id) and
// tracer::SetWayTrapCodeError from a damaged set/way trap batch. Anything else escaping, a sanitizer report or a
// hang is a finding.
//
// One database per process (in its temporary directory), with the schema; each input is built inside a
// transaction that is rolled back, so every input starts from empty tables at the cost of no file.
#include "fuzz_temp_dir.h"

#include "vcm/analyzer/trace_database_builder.h"
#include "vcm/db/database.h"
#include "vcm/db/schema.h"
#include "vcm/tracer/machine_limits.h"
#include "vcm/tracer/setway_trap_code.h"
#include "vcm/tracer/setway_trap_recorder.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace tr = vcm::tracer;
using vcm::analyzer::TraceDatabaseBuilder;

// Events per input: enough for every pairing (run and stop, open and close, request and segments) to occur.
constexpr int kMaxEvents = 48;

vcm::db::Database& database()
{
    static vcm::db::Database* const db = [] {
        const std::filesystem::path file = vcm::fuzz::tempDir() / "rows.db";
        std::filesystem::remove(file);
        auto* d = new vcm::db::Database(file, vcm::db::Database::Mode::Create);
        // The rollback journal in memory: a journal file created and deleted by every input's transaction cost
        // more than the rows.
        d->exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF");
        vcm::db::createSchema(*d);
        return d;
    }();
    return *db;
}

class Fields {
public:
    explicit Fields(FuzzedDataProvider& in) : m_in(in) {}

    // Times: mostly near each other, so that intervals pair up; sometimes anything.
    std::uint64_t time()
    {
        return m_in.ConsumeBool() ? m_in.ConsumeIntegralInRange<std::uint64_t>(0, 10'000) : any64();
    }
    std::uint64_t any64() { return m_in.ConsumeIntegral<std::uint64_t>(); }
    // Ids (VMs, vCPUs, cores, agents, flushes, pages): mostly a few, so that events meet; sometimes anything.
    std::uint32_t id() { return m_in.ConsumeBool() ? m_in.ConsumeIntegralInRange<std::uint32_t>(0, 3) : any32(); }
    std::uint32_t any32() { return m_in.ConsumeIntegral<std::uint32_t>(); }
    std::int32_t core()
    {
        return m_in.ConsumeBool() ? m_in.ConsumeIntegralInRange<std::int32_t>(-1, 3)
                                  : m_in.ConsumeIntegral<std::int32_t>();
    }
    // An enumeration field as the decoder casts it: a trace may hold any value.
    template <typename E>
    E enumeration()
    {
        return static_cast<E>(m_in.ConsumeIntegral<std::uint8_t>());
    }
    std::string text() { return m_in.ConsumeRandomLengthString(24); }
    bool flag() { return m_in.ConsumeBool(); }
    std::optional<std::uint64_t> maybeTime() { return flag() ? std::optional(time()) : std::nullopt; }
    std::optional<std::int64_t> maybeInt()
    {
        return flag() ? std::optional(m_in.ConsumeIntegral<std::int64_t>()) : std::nullopt;
    }

    // A configuration within the machine limits mostly, anything sometimes (then not handed on).
    std::uint64_t limited(std::uint64_t min, std::uint64_t max)
    {
        return flag() ? m_in.ConsumeIntegralInRange<std::uint64_t>(min, max) : any64();
    }

private:
    FuzzedDataProvider& m_in;
};

tr::RunConfiguration configuration(Fields& f)
{
    using L = tr::MachineLimits;
    tr::RunConfiguration c;
    c.scenario = f.text();
    c.scenarioText = f.text();
    c.policy = f.text();
    c.knobs = f.text();
    c.overrides = f.text();
    c.vcmVersion = f.text();
    c.guests = f.text();
    c.seed = f.any64();
    // As the decoder narrows them: the 32-bit fields keep their low bits.
    c.clusters = static_cast<std::uint32_t>(f.limited(1, L::kMaxClusters));
    c.coresPerCluster = static_cast<std::uint32_t>(f.limited(1, L::kMaxCoresPerCluster));
    c.lineBytes = static_cast<std::uint32_t>(f.limited(L::kMinLineBytes, L::kMaxLineBytes));
    c.l1Bytes = f.limited(0, L::kMaxCacheKib << 10);
    c.l1Ways = static_cast<std::uint32_t>(f.limited(1, L::kMaxWays));
    c.l2Bytes = f.limited(0, L::kMaxCacheKib << 10);
    c.l2Ways = static_cast<std::uint32_t>(f.limited(1, L::kMaxWays));
    c.systemCacheBytes = f.limited(0, L::kMaxCacheKib << 10);
    c.systemCacheWays = static_cast<std::uint32_t>(f.limited(1, L::kMaxWays));
    c.coreMHz = f.limited(1, L::kMaxCoreMHz);
    return c;
}

// A set/way trap batch: either coded by the recorder from a few traps (what a trace carries), or damaged bytes.
void setWayTraps(FuzzedDataProvider& in, Fields& f, TraceDatabaseBuilder& b)
{
    const tr::SetWayTrapSource source{f.id(), f.id(), f.id(), in.ConsumeIntegralInRange<std::uint32_t>(1, 100'000)};
    if (f.flag()) {
        tr::SetWayTrapRecorder recorder([&](const tr::SetWayTrapBatch& batch) { b.setWayTraps(batch); });
        recorder.bind(source);
        std::uint64_t cycles = f.time();
        for (int i = in.ConsumeIntegralInRange(1, 12); i > 0; --i) {
            cycles += in.ConsumeIntegralInRange<std::uint64_t>(0, 5000);
            const auto op = in.ConsumeIntegralInRange<std::uint8_t>(0, 2); // memory::SetWayOp
            recorder.record(cycles, op, f.any64());
        }
        recorder.release(source);
        return;
    }
    tr::SetWayTrapBatch batch;
    batch.vm = source.vm;
    batch.vcpu = source.vcpu;
    batch.core = source.core;
    batch.coreMHz = f.flag() ? source.coreMHz : f.any32();
    batch.count = in.ConsumeIntegralInRange<std::uint32_t>(0, 9);
    batch.firstCycles = f.time();
    batch.lastCycles = f.time();
    batch.firstOp = in.ConsumeIntegral<std::uint8_t>();
    batch.firstOperand = f.any64();
    const std::vector<std::uint8_t> codes = in.ConsumeBytes<std::uint8_t>(batch.count / 2);
    const std::vector<std::uint8_t> literals =
        in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 24));
    batch.codes = codes;
    batch.literals = literals;
    b.setWayTraps(batch);
}

void oneEvent(FuzzedDataProvider& in, Fields& f, TraceDatabaseBuilder& b, bool& configured)
{
    const int event = in.ConsumeIntegralInRange(0, 25);
    if (event == 0) { // a discarded-events or discarded-packets notice: not an event, no beginEvent
        b.dataLoss(f.flag() ? "events" : "packets", f.any64(), f.maybeInt(), f.maybeInt());
        return;
    }
    if (event == 1) {
        b.idle();
        return;
    }
    b.beginEvent(f.maybeTime());
    switch (event) {
    case 2: {
        const tr::RunConfiguration c = configuration(f);
        if (!configured && !tr::runConfigurationProblem(c)) {
            configured = true;
            b.runConfiguration(c);
        }
        break;
    }
    case 3:
        b.runEnd(f.time(), f.any64());
        break;
    case 4:
        b.agent(f.id(), f.enumeration<tr::AgentRole>(), f.text(), f.core());
        break;
    case 5:
        b.vcpuCreate(f.id(), f.id(), f.id(), f.id(), f.text(), f.text());
        break;
    case 6:
        b.vcpuRun(f.time(), f.id(), f.id(), f.id());
        break;
    case 7:
        b.vcpuStop(f.time(), f.id(), f.id(), f.id(), f.enumeration<tr::VcpuStopReason>(), f.any64());
        break;
    case 8:
        b.vcpuMigrate(f.time(), f.id(), f.id(), f.id(), f.id());
        break;
    case 9:
        b.timerTick(f.time(), f.id());
        break;
    case 10:
        b.trap(f.time(), f.id(), f.id(), f.id(), f.enumeration<tr::TrapKind>(), f.flag() ? f.id() : f.any32(),
               f.any64(), f.any64(), f.any64());
        break;
    case 11:
        setWayTraps(in, f, b);
        break;
    case 12:
        b.sctlrChange(f.time(), f.id(), f.id(), f.any64(), f.any64());
        break;
    case 13:
        b.tvmChange(f.time(), f.id(), f.id(), f.flag());
        break;
    case 14:
        b.console(f.time(), f.id(), f.id(), f.text());
        break;
    case 15:
        b.marker(f.time(), f.id(), f.id(), f.text());
        break;
    case 16:
        b.flushRequest(f.time(), f.id(), f.id(), f.id(), f.enumeration<tr::FlushReason>());
        break;
    case 17:
        b.flushSegment(f.time(), f.time(), f.id(), f.id(), f.id(), f.any64(), f.any64(), f.flag(), f.any64(),
                       f.any64());
        break;
    case 18:
        b.maintenance(f.time(), f.id(), f.core(), f.enumeration<tr::MaintenanceOp>(), f.any64(), f.any64(), f.any64(),
                      f.any64(), f.any64());
        break;
    case 19:
    case 20: {
        tr::StaleReadEvent r;
        r.vtimeNs = f.time();
        r.agent = f.id();
        r.core = f.core();
        r.address = f.any64();
        r.staleWords = f.any32();
        r.versionReturned = f.any64();
        r.latestVersion = f.any64();
        r.latestWriter = f.id();
        r.latestWriteNs = f.time();
        r.source = f.enumeration<tr::ValueSourceKind>();
        r.sourceInstance = f.any32();
        r.latestHeldIn = f.enumeration<tr::ValueSourceKind>();
        r.heldInstance = f.any32();
        if (event == 19)
            b.staleRead(r);
        else
            b.staleRead(r, f.maybeTime()); // a trace that may predate latest_write_ns
        break;
    }
    case 21: {
        tr::ClobberEvent c;
        c.vtimeNs = f.time();
        c.address = f.any64();
        c.words = f.any32();
        c.origin = f.enumeration<tr::ValueSourceKind>();
        c.originInstance = f.any32();
        c.lineVersion = f.any64();
        c.overwrittenVersion = f.any64();
        c.overwrittenWriteKnown = f.flag();
        c.overwrittenWriter = f.id();
        c.overwrittenWriteNs = f.time();
        c.cause = f.text();
        b.clobber(c);
        break;
    }
    case 22:
        b.staleWindowOpen(f.time(), f.id(), f.text(), f.text());
        break;
    case 23:
        b.staleWindowClose(f.time(), f.id(), f.text());
        break;
    case 24:
        b.toolstackWrite(f.time(), f.id(), f.id(), f.flag() ? f.id() : f.any32(), f.any64(), f.any64());
        break;
    default: { // an event this version does not know, or the unknown fields of a known one
        std::vector<vcm::analyzer::RawField> fields(in.ConsumeIntegralInRange<std::size_t>(0, 3));
        for (vcm::analyzer::RawField& field : fields) {
            field.key = f.text();
            field.intValue = f.maybeInt();
            if (f.flag())
                field.stringValue = f.text();
        }
        b.rawEvent(f.text(), f.maybeTime(), f.flag(), fields);
        break;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    vcm::db::Database& db = database();
    FuzzedDataProvider in(data, size);
    Fields f(in);
    db.exec("BEGIN");
    {
        TraceDatabaseBuilder builder(db);
        bool configured = false;
        try {
            for (int i = 0; i < kMaxEvents && in.remaining_bytes() > 0; ++i)
                oneEvent(in, f, builder, configured);
            builder.finish();
        } catch (const vcm::db::DatabaseError&) {
            // the documented refusal of a row the schema does not take
        } catch (const tr::SetWayTrapCodeError&) {
            // the documented refusal of a damaged batch
        }
    }
    // The builder never commits the caller's transaction (commit points are for a following ingest only): a
    // ROLLBACK that finds none is a finding too.
    db.exec("ROLLBACK");
    return 0;
}

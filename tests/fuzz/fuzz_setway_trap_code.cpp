// libFuzzer harness: the set/way trap code (tracer/include/vcm/tracer/setway_trap_code.h, docs/fuzzing.md).
//
// The first byte chooses what the rest is:
//  - even: one vcm:setway_trap_batch as a damaged trace may carry it, decoded by decodeSetWayTraps. It gives the
//    batch's traps or throws SetWayTrapCodeError; a crash, a sanitizer report or another exception is a finding.
//    Layout, little-endian: u32 core_mhz, u32 count, u64 first_cycles, u64 last_cycles, u8 first_op,
//    u64 first_operand, u16 code bytes, the code bytes, then the literal bytes (the rest).
//  - odd: a property. A list of traps (cycles never decreasing, ops never SetWayTrapStep::kNoOp, as a vCPU takes
//    them) is recorded by SetWayTrapRecorder, possibly across rebinds and flushes; every batch passed on must
//    decode, and the batches together give back exactly the traps recorded, each from its own source. The traps
//    come from a palette of steps, repeated (a guest's loops) or interleaved, and fresh steps (literals).
#include "vcm/tracer/setway_trap_recorder.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using vcm::tracer::SetWayTrap;
using vcm::tracer::SetWayTrapBatch;
using vcm::tracer::SetWayTrapSource;

// Little-endian fields from the front of the input (zeros past its end).
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
    template <typename T>
    T take()
    {
        std::array<std::uint8_t, sizeof(T)> bytes{};
        for (std::size_t i = 0; i < sizeof(T) && m_at < m_size; ++i)
            bytes[i] = m_data[m_at++];
        T value = 0;
        for (std::size_t i = sizeof(T); i-- > 0;)
            value = static_cast<T>((value << 8) | bytes[i]);
        return value;
    }
    std::vector<std::uint8_t> bytes(std::size_t n)
    {
        n = std::min(n, m_size - m_at);
        std::vector<std::uint8_t> out(m_data + m_at, m_data + m_at + n);
        m_at += n;
        return out;
    }
    std::vector<std::uint8_t> rest() { return bytes(m_size - m_at); }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_at = 0;
};

void decodeDamaged(const std::uint8_t* data, std::size_t size)
{
    Reader in(data, size);
    SetWayTrapBatch batch;
    batch.coreMHz = in.take<std::uint32_t>();
    batch.count = in.take<std::uint32_t>();
    batch.firstCycles = in.take<std::uint64_t>();
    batch.lastCycles = in.take<std::uint64_t>();
    batch.firstOp = in.take<std::uint8_t>();
    batch.firstOperand = in.take<std::uint64_t>();
    const std::vector<std::uint8_t> codes = in.bytes(in.take<std::uint16_t>());
    const std::vector<std::uint8_t> literals = in.rest();
    batch.codes = codes;
    batch.literals = literals;
    try {
        const std::vector<SetWayTrap> traps = vcm::tracer::decodeSetWayTraps(batch);
        // A batch that decodes is what it says it is: its count of traps, from its first to its last cycles.
        if (traps.size() != batch.count || traps.front().cycles != batch.firstCycles ||
            traps.back().cycles != batch.lastCycles)
            __builtin_trap();
    } catch (const vcm::tracer::SetWayTrapCodeError&) {
        // the documented refusal
    }
}

// A batch kept beyond the recorder's call (its spans point into the recorder).
struct KeptBatch {
    SetWayTrapBatch batch;
    std::vector<std::uint8_t> codes;
    std::vector<std::uint8_t> literals;
};

struct Step {
    std::uint64_t cycles;
    std::uint64_t operand;
    std::uint8_t op;
};

// Two full batches and the start of a third (kMaximumSetWayTraps is 4,096), and traps stay far below 2^64 cycles
// (a start below 2^62, steps below 2^40), so sorted by cycles as a vCPU takes them.
constexpr std::size_t kMaxTraps = 9'000;

std::uint8_t validOp(std::uint8_t op)
{
    return op == vcm::tracer::SetWayTrapStep::kNoOp ? 0 : op;
}

Step freshStep(FuzzedDataProvider& in)
{
    Step s;
    // Mostly a loop's few cycles per trap; sometimes any step a core's cycle count could take.
    s.cycles = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint64_t>(0, 4096)
                                : in.ConsumeIntegralInRange<std::uint64_t>(0, (std::uint64_t{1} << 40) - 1);
    s.operand = in.ConsumeIntegral<std::uint64_t>();
    s.op = validOp(in.ConsumeIntegral<std::uint8_t>());
    return s;
}

void roundTrip(FuzzedDataProvider& in)
{
    // Two sources, as two vCPUs: binding the other passes on what the recorder holds.
    std::array<SetWayTrapSource, 2> sources{};
    for (std::uint32_t i = 0; i < sources.size(); ++i)
        sources[i] = SetWayTrapSource{i + 1, i, in.ConsumeIntegralInRange<std::uint32_t>(0, 4095),
                                      in.ConsumeIntegralInRange<std::uint32_t>(1, 100'000)};
    std::vector<KeptBatch> batches;
    vcm::tracer::SetWayTrapRecorder recorder([&](const SetWayTrapBatch& b) {
        batches.push_back({b, {b.codes.begin(), b.codes.end()}, {b.literals.begin(), b.literals.end()}});
    });
    std::vector<Step> palette(in.ConsumeIntegralInRange<std::size_t>(1, 20));
    for (Step& s : palette)
        s = freshStep(in);

    struct Expected {
        SetWayTrap trap;
        std::size_t source;
    };
    std::vector<Expected> expected;
    std::size_t bound = 0;
    recorder.bind(sources[bound]);
    std::uint64_t cycles = in.ConsumeIntegralInRange<std::uint64_t>(0, (std::uint64_t{1} << 62) - 1);
    std::uint64_t operand = in.ConsumeIntegral<std::uint64_t>();
    std::uint8_t op = validOp(in.ConsumeIntegral<std::uint8_t>());
    auto take = [&] {
        recorder.record(cycles, op, operand);
        expected.push_back({{0, cycles, op, operand}, bound});
    };
    take();
    while (in.remaining_bytes() > 0 && expected.size() < kMaxTraps) {
        const std::uint8_t command = in.ConsumeIntegral<std::uint8_t>();
        if (command == 0xff) { // another vCPU runs
            bound = 1 - bound;
            recorder.bind(sources[bound]);
            continue;
        }
        if (command == 0xfe) { // another event passes on what is held
            recorder.flush();
            continue;
        }
        // A step of the palette (a loop's step, its turn at each set), or a fresh one once, repeated: up to a
        // few thousand times, so that batches fill up.
        const bool fresh = command >= 0xf0;
        const Step step = fresh ? freshStep(in) : palette[command % palette.size()];
        const std::uint8_t r = in.ConsumeIntegral<std::uint8_t>();
        const std::size_t repeats = r < 0xe0 ? std::size_t{r} % 16 + 1 : static_cast<std::size_t>(r - 0xdf) * 256;
        for (std::size_t i = 0; i < repeats && expected.size() < kMaxTraps; ++i) {
            cycles += step.cycles;
            operand += step.operand;
            op = step.op;
            take();
        }
    }
    recorder.flush();
    if (recorder.held() != 0)
        __builtin_trap();

    std::size_t next = 0;
    for (const KeptBatch& kept : batches) {
        SetWayTrapBatch b = kept.batch;
        b.codes = kept.codes;
        b.literals = kept.literals;
        if (b.count > vcm::tracer::kMaximumSetWayTraps ||
            b.literals.size() > vcm::tracer::kMaximumSetWayLiteralStream + vcm::tracer::kMaximumSetWayLiteralBytes)
            __builtin_trap();
        // Throws SetWayTrapCodeError for a batch the recorder coded wrong: uncaught, a finding.
        for (const SetWayTrap& t : vcm::tracer::decodeSetWayTraps(b)) {
            if (next == expected.size())
                __builtin_trap(); // more traps than recorded
            const Expected& e = expected[next++];
            const SetWayTrapSource& source = sources[e.source];
            if (t.cycles != e.trap.cycles || t.op != e.trap.op || t.operand != e.trap.operand ||
                t.vtimeNs != e.trap.cycles * 1000 / source.coreMHz || b.vm != source.vm || b.vcpu != source.vcpu ||
                b.core != source.core || b.coreMHz != source.coreMHz)
                __builtin_trap();
        }
    }
    if (next != expected.size())
        __builtin_trap(); // traps lost
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
        decodeDamaged(data + 1, size - 1);
    } else {
        FuzzedDataProvider in(data + 1, size - 1);
        roundTrip(in);
    }
    return 0;
}

#include "vcm/tracer/setway_trap_code.h"

#include "vcm/tracer/event_sink.h"

#include <fmt/core.h>

namespace vcm::tracer {

std::uint8_t SetWayStepDictionary::insert(const SetWayTrapStep& step)
{
    const std::uint8_t first = home(step);
    const std::uint8_t second = other(first);
    const std::uint8_t slot = m_entered[second] < m_entered[first] ? second : first;
    m_steps[slot] = step;
    m_entered[slot] = ++m_clock;
    return slot;
}

void SetWayStepDictionary::clear()
{
    m_steps.fill(SetWayTrapStep{});
    m_entered.fill(0);
    m_clock = 0;
}

namespace {

std::size_t appendLeb128(std::uint64_t value, std::uint8_t* out)
{
    std::size_t n = 0;
    while (value >= 0x80) {
        out[n++] = static_cast<std::uint8_t>(value | 0x80);
        value >>= 7;
    }
    out[n++] = static_cast<std::uint8_t>(value);
    return n;
}

std::uint64_t zigzag(std::uint64_t difference)
{
    const auto s = static_cast<std::int64_t>(difference);
    return (difference << 1) ^ static_cast<std::uint64_t>(s >> 63);
}

std::uint64_t unzigzag(std::uint64_t value)
{
    return (value >> 1) ^ (0 - (value & 1));
}

// Reads the literal stream of one batch, checking every byte against its end.
class LiteralReader {
public:
    explicit LiteralReader(std::span<const std::uint8_t> bytes) : m_bytes(bytes) {}
    SetWayTrapStep next(std::uint32_t trap)
    {
        SetWayTrapStep step;
        step.op = byte(trap);
        step.cycles = leb128(trap);
        step.operand = unzigzag(leb128(trap));
        return step;
    }
    std::size_t position() const { return m_at; }

private:
    std::uint8_t byte(std::uint32_t trap)
    {
        if (m_at == m_bytes.size())
            throw SetWayTrapCodeError(fmt::format("trap {} is a literal step, but the {} literal bytes are used up",
                                                  trap, m_bytes.size()));
        return m_bytes[m_at++];
    }
    std::uint64_t leb128(std::uint32_t trap)
    {
        std::uint64_t value = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            const std::uint8_t b = byte(trap);
            if (shift == 63 && b > 1)
                break;
            value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        throw SetWayTrapCodeError(fmt::format("trap {}: a literal number longer than 64 bits at literal byte {}",
                                              trap, m_at - 1));
    }

    std::span<const std::uint8_t> m_bytes;
    std::size_t m_at = 0;
};

} // namespace

std::size_t appendSetWayLiteral(const SetWayTrapStep& step, std::uint8_t* out)
{
    out[0] = step.op;
    std::size_t n = 1;
    n += appendLeb128(step.cycles, out + n);
    n += appendLeb128(zigzag(step.operand), out + n);
    return n;
}

std::vector<SetWayTrap> decodeSetWayTraps(const SetWayTrapBatch& batch)
{
    if (batch.count == 0 || batch.count > kMaximumSetWayTraps)
        throw SetWayTrapCodeError(
            fmt::format("a batch of {} traps (a batch holds 1 to {})", batch.count, kMaximumSetWayTraps));
    if (batch.coreMHz == 0)
        throw SetWayTrapCodeError("core_mhz is 0 (the cycle counts cannot be converted to nanoseconds)");
    if (batch.codes.size() != batch.count / 2)
        throw SetWayTrapCodeError(fmt::format("{} traps need {} code bytes (one code per trap after the first, two "
                                              "per byte), the batch has {}",
                                              batch.count, batch.count / 2, batch.codes.size()));
    std::vector<SetWayTrap> traps;
    traps.reserve(batch.count);
    SetWayTrap trap{batch.nanoseconds(batch.firstCycles), batch.firstCycles, batch.firstOp, batch.firstOperand};
    traps.push_back(trap);
    SetWayStepDictionary dictionary;
    LiteralReader literals(batch.literals);
    for (std::uint32_t i = 1; i < batch.count; ++i) {
        const std::uint8_t pair = batch.codes[(i - 1) / 2];
        std::uint8_t code = (i - 1) % 2 == 0 ? pair & 0xf : pair >> 4;
        if (code == SetWayStepDictionary::kLiteral) {
            code = dictionary.insert(literals.next(i));
        } else if (dictionary[code].op == SetWayTrapStep::kNoOp) {
            throw SetWayTrapCodeError(fmt::format("trap {} has code {}, which names no step yet", i, code));
        }
        const SetWayTrapStep& step = dictionary[code];
        trap.cycles += step.cycles;
        trap.operand += step.operand;
        trap.op = step.op;
        trap.vtimeNs = batch.nanoseconds(trap.cycles);
        traps.push_back(trap);
    }
    if (literals.position() != batch.literals.size())
        throw SetWayTrapCodeError(fmt::format("{} of the {} literal bytes are left over after the last trap",
                                              batch.literals.size() - literals.position(), batch.literals.size()));
    if (trap.cycles != batch.lastCycles)
        throw SetWayTrapCodeError(fmt::format("the traps end at cycle {}, the batch says its last is at cycle {}",
                                              trap.cycles, batch.lastCycles));
    if (batch.count % 2 == 0 && (batch.codes.back() >> 4) != 0)
        throw SetWayTrapCodeError("the unused half of the last code byte is not 0");
    return traps;
}

} // namespace vcm::tracer

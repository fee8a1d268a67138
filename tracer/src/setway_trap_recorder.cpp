#include "vcm/tracer/setway_trap_recorder.h"

#include <cstring>
#include <stdexcept>
#include <utility>

namespace vcm::tracer {

SetWayTrapRecorder::SetWayTrapRecorder(std::function<void(const SetWayTrapBatch&)> passOn)
    : m_passOn(std::move(passOn))
{
}

void SetWayTrapRecorder::rebind(const SetWayTrapSource* source)
{
    flush();
    m_bound = source;
}

void SetWayTrapRecorder::begin(std::uint64_t cycles, std::uint8_t op, std::uint64_t operand)
{
    if (m_bound == nullptr)
        throw std::logic_error("a set/way trap was recorded with no source bound (SetWayTrapRecorder::bind)");
    flush();
    m_source = *m_bound;
    m_room = kMaximumSetWayTraps - 1;
    m_firstCycles = cycles;
    m_firstOp = op;
    m_firstOperand = operand;
    m_nextCycles = cycles; // the last trap plus no step
    m_nextOperand = operand;
    m_runCycles = 0;
    m_runOperand = 0;
    m_runCode = kNoCode;
    close();
    m_lastTurnAt = kNoPosition;
    m_turnCount = 0;
    m_written = 0;
    m_dictionary.clear();
    m_literalBytes = 0;
}

void SetWayTrapRecorder::writeRun()
{
    std::uint32_t at = m_written;
    const std::uint32_t end = held() - 1; // the first trap has no code
    if (at == end)
        return; // (the pending turns lie in [m_written, end))
    const std::uint8_t code = m_runCode;
    if ((at & 1) != 0) {
        m_codes[at / 2] |= static_cast<std::uint8_t>(code << 4);
        ++at;
    }
    // Whole bytes of two codes, eight at a time: the bytes written past the run are written again by the codes
    // that follow (a code at an even position stores its byte whole), and m_codes has room for the overshoot.
    const std::uint64_t pair = static_cast<std::uint8_t>(code | code << 4);
    const std::uint64_t eight = pair * std::uint64_t{0x0101010101010101};
    for (std::uint32_t byte = at / 2; byte < (end + 1) / 2; byte += 8)
        std::memcpy(m_codes.data() + byte, &eight, sizeof eight);
    if ((end & 1) != 0)
        m_codes[end / 2] = code; // the last code alone in its byte: the high half is 0 until the next code
    m_written = end;
    // Then the turns among them.
    const auto turn = m_turnCode;
    for (std::uint32_t i = 0; i < m_turnCount; ++i) {
        const std::uint32_t position = m_turns[i];
        std::uint8_t& byte = m_codes[position / 2];
        byte = (position & 1) == 0 ? static_cast<std::uint8_t>((byte & 0xf0) | turn)
                                   : static_cast<std::uint8_t>((byte & 0x0f) | turn << 4);
    }
    m_turnCount = 0;
}

std::uint8_t SetWayTrapRecorder::recordLiteral(const SetWayTrapStep& step)
{
    if (m_literalBytes >= kMaximumSetWayLiteralStream)
        return SetWayStepDictionary::kLiteral;
    m_literalBytes += appendSetWayLiteral(step, m_literals.data() + m_literalBytes);
    appendCode(SetWayStepDictionary::kLiteral);
    return m_dictionary.insert(step);
}

void SetWayTrapRecorder::recordOffRun(std::uint64_t cycles, std::uint8_t op, std::uint64_t operand)
{
    // m_turnOp is kNoRun whenever m_runOp is: a turn is only ever taken within a run, with room left.
    if (cycles - (m_nextCycles - m_runCycles) != m_turnCycles ||
        operand - (m_nextOperand - m_runOperand) != m_turnOperand || op != m_turnOp) {
        recordOther(cycles, op, operand);
        return;
    }
    const std::uint32_t at = kMaximumSetWayTraps - m_room - 1; // this trap's code position
    if (at == m_lastTurnAt + 1) [[unlikely]] {
        // The turn step twice in a row: a new loop (or the next cache level's) has begun. It becomes the run step
        // and the run step the turn step, once the codes so far are written with the roles they had; this trap
        // is then a run trap like those that follow.
        writeRun();
        std::swap(m_runCycles, m_turnCycles);
        std::swap(m_runOperand, m_turnOperand);
        std::swap(m_runOp, m_turnOp);
        std::swap(m_runCode, m_turnCode);
        m_lastTurnAt = kNoPosition;
    } else {
        m_turns[m_turnCount++] = static_cast<std::uint16_t>(at);
        m_lastTurnAt = at;
    }
    m_nextCycles = cycles + m_runCycles;
    m_nextOperand = operand + m_runOperand;
    if (--m_room == 0)
        close();
}

void SetWayTrapRecorder::recordOther(std::uint64_t cycles, std::uint8_t op, std::uint64_t operand)
{
    if (m_room == 0 || m_room == kMaximumSetWayTraps) [[unlikely]] { // full, or nothing held
        begin(cycles, op, operand);
        return;
    }
    writeRun();
    const std::uint32_t at = held() - 1; // this trap's code position
    const SetWayTrapStep step{cycles - (m_nextCycles - m_runCycles), operand - (m_nextOperand - m_runOperand), op};
    std::uint8_t code = m_dictionary.find(step);
    if (code != SetWayStepDictionary::kLiteral) {
        appendCode(code);
    } else if (code = recordLiteral(step); code == SetWayStepDictionary::kLiteral) [[unlikely]] {
        begin(cycles, op, operand); // no room for its literal: it begins the next batch
        return;
    }
    // The first step of a batch becomes the run step, and so does a step that just took the run step's slot in
    // the dictionary (the run step's code would no longer name it). Any other step becomes the turn step: a
    // loop's outer step, which interrupts the run once per set, or, when it comes again at once
    // (recordOffRun), the next run step.
    if (m_runOp == kNoRun || code == m_runCode) {
        m_runCycles = step.cycles;
        m_runOperand = step.operand;
        m_runOp = op;
        m_runCode = code;
    } else {
        m_turnCycles = step.cycles;
        m_turnOperand = step.operand;
        m_turnOp = op;
        m_turnCode = code;
        m_lastTurnAt = at;
    }
    m_nextCycles = cycles + m_runCycles;
    m_nextOperand = operand + m_runOperand;
    if (--m_room == 0)
        close();
}

void SetWayTrapRecorder::flush()
{
    const std::uint32_t count = held();
    if (count == 0)
        return;
    writeRun();
    SetWayTrapBatch batch;
    batch.vm = m_source.vm;
    batch.vcpu = m_source.vcpu;
    batch.core = m_source.core;
    batch.coreMHz = m_source.coreMHz;
    batch.count = count;
    batch.firstCycles = m_firstCycles;
    batch.lastCycles = m_nextCycles - m_runCycles;
    batch.firstOp = m_firstOp;
    batch.firstOperand = m_firstOperand;
    batch.codes = std::span<const std::uint8_t>(m_codes.data(), count / 2);
    batch.literals = std::span<const std::uint8_t>(m_literals.data(), m_literalBytes);
    // Before passing on: a sink that emits an event from the call finds nothing held, and the fast path takes
    // no trap for this batch.
    m_room = kMaximumSetWayTraps;
    close();
    m_lastTurnAt = kNoPosition;
    m_passOn(batch);
}

} // namespace vcm::tracer

#include "vcm/tracer/setway_trap_recorder.h"

#include <utility>

namespace vcm::tracer {

SetWayTrapRecorder::SetWayTrapRecorder(std::function<void(const SetWayTrapBatch&)> passOn)
    : m_passOn(std::move(passOn))
{
}

void SetWayTrapRecorder::begin(const SetWayTrapSource& source, std::uint64_t cycles, std::uint8_t op,
                               std::uint64_t operand)
{
    flush();
    m_source = source;
    m_sourceAddress = &source;
    m_count = 1;
    m_firstCycles = cycles;
    m_firstOp = op;
    m_firstOperand = operand;
    m_next = {cycles, operand}; // the last trap's values: no step yet
    m_dictionary.clear();
    m_lastStep = SetWayTrapStep{}; // no step (kNoOp): the next trap's step is looked up
    m_lastCode = 0;
    m_previousCode = 0;            // an empty slot after clear(): matches no step
    m_literalBytes = 0;
}

void SetWayTrapRecorder::recordOther(const SetWayTrapSource& source, std::uint64_t cycles, std::uint8_t op,
                                     std::uint64_t operand)
{
    if (m_count == 0 || &source != m_sourceAddress || m_count == kMaximumSetWayTraps) {
        begin(source, cycles, op, operand);
        return;
    }
    const std::uint64_t lastCycles = m_next.cycles - m_lastStep.cycles;
    const std::uint64_t lastOperand = m_next.operand - m_lastStep.operand;
    const SetWayTrapStep step{cycles - lastCycles, operand - lastOperand, op};
    if (step == m_dictionary[m_previousCode]) {
        // Back to the step before the last: a loop's inner step after its outer one. (The dictionary is compared,
        // not a copy: entering the last step may have replaced this one.)
        std::swap(m_lastCode, m_previousCode);
        m_lastStep = step;
        appendCode(m_lastCode);
    } else if (!recordNewStep(step)) {
        begin(source, cycles, op, operand); // no room for its literal: it starts the next batch
        return;
    }
    m_next = {cycles + step.cycles, operand + step.operand};
}

bool SetWayTrapRecorder::recordNewStep(const SetWayTrapStep& step)
{
    std::uint8_t code = m_dictionary.find(step);
    if (code == SetWayStepDictionary::kLiteral) {
        if (m_literalBytes >= kMaximumSetWayLiteralStream)
            return false;
        m_literalBytes += appendSetWayLiteral(step, m_literals.data() + m_literalBytes);
        appendCode(SetWayStepDictionary::kLiteral);
        code = m_dictionary.insert(step);
    } else {
        appendCode(code);
    }
    m_previousCode = m_lastCode;
    m_lastStep = step;
    m_lastCode = code;
    return true;
}

void SetWayTrapRecorder::flush()
{
    if (m_count == 0)
        return;
    SetWayTrapBatch batch;
    batch.vm = m_source.vm;
    batch.vcpu = m_source.vcpu;
    batch.core = m_source.core;
    batch.coreMHz = m_source.coreMHz;
    batch.count = m_count;
    batch.firstCycles = m_firstCycles;
    batch.lastCycles = m_next.cycles - m_lastStep.cycles;
    batch.firstOp = m_firstOp;
    batch.firstOperand = m_firstOperand;
    batch.codes = std::span<const std::uint8_t>(m_codes.data(), m_count / 2);
    batch.literals = std::span<const std::uint8_t>(m_literals.data(), m_literalBytes);
    m_count = 0; // before passing on: a sink that emits an event from the call finds nothing held
    m_sourceAddress = nullptr; // and record() takes no trap for the next of this batch
    m_passOn(batch);
}

} // namespace vcm::tracer

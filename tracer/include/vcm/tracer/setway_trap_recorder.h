// Encodes set/way traps into vcm:setway_trap_batch batches as they happen (setway_trap_code.h). The vCPU calls
// record() inline for each trap it takes while the traps are traced: no virtual call, no conversion to
// nanoseconds, and for the usual trap (the same step as the one before) a comparison and half a byte of output.
// A batch is passed on (to the function given at construction) when the next trap comes from another source (a
// vCPU flushes before its core changes), when it is full, when its literals fill up, and when flush() is called:
// TrapBatchingSink calls it before any other event and at the end, so the stream keeps its order.
#pragma once

#include "vcm/tracer/event_sink.h"
#include "vcm/tracer/setway_trap_code.h"

#include <array>
#include <functional>

namespace vcm::tracer {

// Who trapped, and how their cycles convert to nanoseconds.
struct SetWayTrapSource {
    std::uint32_t vm = 0;
    std::uint32_t vcpu = 0;
    std::uint32_t core = 0;
    std::uint32_t coreMHz = 0;
};

class SetWayTrapRecorder {
public:
    explicit SetWayTrapRecorder(std::function<void(const SetWayTrapBatch&)> passOn);
    SetWayTrapRecorder(const SetWayTrapRecorder&) = delete;
    SetWayTrapRecorder& operator=(const SetWayTrapRecorder&) = delete;

    // A set/way trap at the core's cycle count `cycles`; op is TrapKind::SetWay's detail (memory::SetWayOp).
    // `source` is known by its address: each caller passes the same object for all its traps, and calls flush()
    // before it changes the object's fields (a vCPU that migrates) or destroys it.
    void record(const SetWayTrapSource& source, std::uint64_t cycles, std::uint8_t op, std::uint64_t operand)
    {
        // The usual trap: the last step again, from the same source, with room left. m_next is where that step
        // lands; flush() clears m_sourceAddress, so nothing held never matches.
        if (cycles == m_next.cycles && operand == m_next.operand && op == m_lastStep.op &&
            &source == m_sourceAddress && m_count < kMaximumSetWayTraps) [[likely]] {
            m_next.cycles += m_lastStep.cycles;
            m_next.operand += m_lastStep.operand;
            appendCode(m_lastCode);
            return;
        }
        recordOther(source, cycles, op, operand);
    }
    // Passes on the traps held, if any.
    void flush();
    std::uint32_t held() const { return m_count; }

private:
    void begin(const SetWayTrapSource& source, std::uint64_t cycles, std::uint8_t op, std::uint64_t operand);
    // Any other trap: the first of a batch, or a step other than the last one.
    void recordOther(const SetWayTrapSource& source, std::uint64_t cycles, std::uint8_t op, std::uint64_t operand);
    // A step other than the last one: its code from the dictionary, or a literal. False when the literal
    // stream has no room for it (nothing was written).
    bool recordNewStep(const SetWayTrapStep& step);
    void appendCode(std::uint8_t code)
    {
        const std::uint32_t at = m_count - 1; // the first trap has no code
        if ((at & 1) == 0)
            m_codes[at / 2] = code;
        else
            m_codes[at / 2] |= static_cast<std::uint8_t>(code << 4);
        ++m_count;
    }

    std::function<void(const SetWayTrapBatch&)> m_passOn;
    SetWayTrapSource m_source;                          // the batch's, copied at its first trap
    const SetWayTrapSource* m_sourceAddress = nullptr;  // whose traps the batch holds
    std::uint32_t m_count = 0;
    std::uint64_t m_firstCycles = 0;
    std::uint8_t m_firstOp = 0;
    std::uint64_t m_firstOperand = 0;
    struct {
        std::uint64_t cycles = 0;
        std::uint64_t operand = 0;
    } m_next; // the last trap's values plus m_lastStep: where the next trap is if it repeats the step
    SetWayTrapStep m_lastStep; // the step of the last trap (none after the first) and its code
    std::uint8_t m_lastCode = 0;
    std::uint8_t m_previousCode = 0; // the code of the step before it (an empty slot at first)
    SetWayStepDictionary m_dictionary;
    std::array<std::uint8_t, kMaximumSetWayTraps / 2> m_codes{};
    std::array<std::uint8_t, kMaximumSetWayLiteralStream + kMaximumSetWayLiteralBytes> m_literals{};
    std::size_t m_literalBytes = 0;
};

} // namespace vcm::tracer

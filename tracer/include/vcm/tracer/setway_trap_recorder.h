// Encodes set/way traps into vcm:setway_trap_batch batches as they happen (setway_trap_code.h). The vCPU calls
// record() inline for each trap it takes while the traps are traced: no virtual call, no conversion to
// nanoseconds, and for the usual trap (the loop's run step again) three comparisons, two additions and a count;
// the loop's outer step, once per set, costs a few more and a position to patch when the codes are written.
// A batch is passed on (to the function given at construction) when another source is bound (another vCPU runs a
// slice), when it is full, when its literals fill up, and when flush() is called: TrapBatchingSink calls it before
// any other event and at the end, so the stream keeps its order.
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

    // Whose traps record() takes from now on: a vCPU binds its source at the start of every slice it runs.
    // Binding another source passes on what the recorder holds. The source is read when a batch begins: its
    // owner calls flush() before it changes the fields (a vCPU that migrates) and release() before it destroys it.
    void bind(const SetWayTrapSource& source)
    {
        if (&source != m_bound)
            rebind(&source);
    }
    // Passes on what the recorder holds and forgets `source`, if it is the one bound.
    void release(const SetWayTrapSource& source)
    {
        if (&source == m_bound)
            rebind(nullptr);
    }

    // A set/way trap of the bound source at its core's cycle count `cycles`; op is TrapKind::SetWay's detail
    // (memory::SetWayOp, never SetWayTrapStep::kNoOp). Throws std::logic_error when no source is bound.
    void record(std::uint64_t cycles, std::uint8_t op, std::uint64_t operand)
    {
        // The usual trap: the run step again. m_next* is where it lands from the last trap; m_runOp is kNoRun
        // (which no op equals) when nothing is held, when there is no run step yet and when the batch is full.
        if (cycles == m_nextCycles && operand == m_nextOperand && op == m_runOp) [[likely]] {
            m_nextCycles = cycles + m_runCycles;
            m_nextOperand = operand + m_runOperand;
            if (--m_room == 0) [[unlikely]]
                close(); // full: the next trap begins a batch
            return;
        }
        recordOffRun(cycles, op, operand);
    }
    // Passes on the traps held, if any.
    void flush();
    std::uint32_t held() const { return kMaximumSetWayTraps - m_room; }

private:
    static constexpr std::uint32_t kNoRun = 0x100;   // m_runOp/m_turnOp when no trap may match them
    static constexpr std::uint8_t kNoCode = 0xfe;    // m_runCode before there is one
    static constexpr std::uint32_t kNoPosition = 0xffff'fff0; // m_lastTurnAt when no turn is recent

    void rebind(const SetWayTrapSource* source);
    // No trap matches the run or the turn step any more (the batch is full or passed on).
    void close()
    {
        m_runOp = kNoRun;
        m_turnOp = kNoRun;
    }
    // A trap off the run: the turn step (a loop's outer step, once per set), kept as a position whose code is
    // written with the run's; two turns in a row swap the turn and the run step; anything else is recordOther.
    [[gnu::noinline]] void recordOffRun(std::uint64_t cycles, std::uint8_t op, std::uint64_t operand);
    [[gnu::noinline]] void begin(std::uint64_t cycles, std::uint8_t op, std::uint64_t operand);
    // Any trap neither the run step nor the turn step: the first of a batch, or a new step.
    [[gnu::noinline]] void recordOther(std::uint64_t cycles, std::uint8_t op, std::uint64_t operand);
    // Writes the codes of the traps taken as run or turn steps since the codes were last written.
    void writeRun();
    // A step not in the dictionary: its literal and code 15, then its code from now on. kLiteral (nothing
    // written) when the literal stream is full.
    [[gnu::noinline]] std::uint8_t recordLiteral(const SetWayTrapStep& step);
    void appendCode(std::uint8_t code)
    {
        const std::uint32_t at = m_written++;
        if ((at & 1) == 0)
            m_codes[at / 2] = code;
        else
            m_codes[at / 2] |= static_cast<std::uint8_t>(code << 4);
    }

    // What the fast path reads, together. A cycle field and its operand field are not adjacent: the compiler then
    // updates them with two scalar additions instead of packing them into a vector register (two instructions
    // fewer per trap); m_runOp is as wide as a register for the same reason.
    std::uint64_t m_nextCycles = 0;  // the last trap plus the run step: where the next trap lands if it repeats it
    std::uint64_t m_runCycles = 0;   // the run step, the step the fast path expects ({0, 0} before there is one)
    std::uint64_t m_nextOperand = 0;
    std::uint64_t m_runOperand = 0;
    std::uint32_t m_runOp = kNoRun;
    std::uint32_t m_room = kMaximumSetWayTraps; // traps the batch can still take
    // The turn step: the last step recordOther coded that did not become the run step.
    std::uint64_t m_turnCycles = 0;
    std::uint64_t m_turnOperand = 0;
    std::uint32_t m_turnOp = kNoRun;
    std::uint32_t m_lastTurnAt = kNoPosition; // the code position of the last trap that took the turn step
    std::uint32_t m_turnCount = 0;            // positions in m_turns whose code is still to be written

    std::uint8_t m_runCode = kNoCode; // the run step's code
    std::uint8_t m_turnCode = 0;      // the turn step's
    std::uint32_t m_written = 0;      // codes written to m_codes (the traps after the first, less those pending)
    std::function<void(const SetWayTrapBatch&)> m_passOn;
    const SetWayTrapSource* m_bound = nullptr;
    SetWayTrapSource m_source; // the batch's, copied from m_bound at its first trap
    std::uint64_t m_firstCycles = 0;
    std::uint8_t m_firstOp = 0;
    std::uint64_t m_firstOperand = 0;
    SetWayStepDictionary m_dictionary;
    std::array<std::uint8_t, kMaximumSetWayTraps / 2 + 8> m_codes{}; // + writeRun's overshoot
    std::array<std::uint16_t, kMaximumSetWayTraps> m_turns{};         // code positions of pending turn steps
    std::array<std::uint8_t, kMaximumSetWayLiteralStream + kMaximumSetWayLiteralBytes> m_literals{};
    std::size_t m_literalBytes = 0;
};

} // namespace vcm::tracer

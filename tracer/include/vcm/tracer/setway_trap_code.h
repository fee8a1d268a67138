// How vcm:setway_trap_batch codes the set/way traps of a batch (docs/events.md, "The set/way trap code").
//
// A guest's set/way loop traps once per DC ISW/CSW/CISW, and from one trap to the next the same few things
// change by the same amounts: the core's cycle count by the cost of one trap, the operand by one set or one way
// (a new set or a new level every few traps), the op not at all. The code keeps that change, a SetWayTrapStep,
// once: the first trap of a batch is written out in full, and each later trap is a four-bit code naming a step
// in a small dictionary that the encoder (SetWayTrapRecorder) and the decoder (decodeSetWayTraps) build
// identically as they go. A step not in the dictionary is code 15, the step itself follows in the literal
// stream, and it enters the dictionary. A canonical loop costs half a byte per trap in the trace instead of
// the twenty of a time, an op and an operand, and a few instructions to code.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace vcm::tracer {

// The change from one trap to the next in a batch.
struct SetWayTrapStep {
    static constexpr std::uint8_t kNoOp = 0xff; // never a trap's op: marks an empty dictionary slot
    std::uint64_t cycles = 0;  // core cycles since the previous trap
    std::uint64_t operand = 0; // this trap's operand minus the previous one, modulo 2^64
    std::uint8_t op = kNoOp;   // this trap's op (SetWayTrapBatch::firstOp's values)
    bool operator==(const SetWayTrapStep&) const = default;
};

// The steps a batch has used, each under a code 0-14. A step lives in one of two slots chosen by its hash (so
// finding one is two comparisons, not fifteen); a new step replaces the one of its two slots entered longer ago
// (nothing is kept per use: the usual trap repeats the last step and touches no dictionary state). The encoder
// and the decoder make the same calls in the same order, so their dictionaries stay identical.
class SetWayStepDictionary {
public:
    static constexpr std::uint8_t kSlots = 15;
    static constexpr std::uint8_t kLiteral = 15; // the code of a step not in the dictionary

    const SetWayTrapStep& operator[](std::uint8_t code) const { return m_steps[code]; }
    // The code of a step, or kLiteral when it is not in the dictionary. Inline: the recorder looks up the step
    // of every trap its fast path misses.
    std::uint8_t find(const SetWayTrapStep& step) const
    {
        const std::uint8_t first = home(step);
        if (m_steps[first] == step)
            return first;
        const std::uint8_t second = other(first);
        return m_steps[second] == step ? second : kLiteral;
    }
    // Enters a step find() did not find; returns its code.
    std::uint8_t insert(const SetWayTrapStep& step);
    void clear();

private:
    static std::uint8_t home(const SetWayTrapStep& step)
    {
        std::uint64_t h = step.cycles * 0x9E3779B97F4A7C15ull + step.operand * 0xC2B2AE3D27D4EB4Full + step.op;
        h ^= h >> 29;
        return static_cast<std::uint8_t>(((h >> 32) * kSlots) >> 32);
    }
    static std::uint8_t other(std::uint8_t home) { return home + 1 == kSlots ? 0 : home + 1; }

    std::array<SetWayTrapStep, kSlots> m_steps{};
    std::array<std::uint32_t, kSlots> m_entered{}; // when each slot's step was entered (m_clock)
    std::uint32_t m_clock = 0;
};

// Literals: the op byte, then the cycles as unsigned LEB128 and the operand change as zigzag signed LEB128 (a
// step back to way 0 of the next set is a small negative number).
constexpr std::size_t kMaximumSetWayLiteralBytes = 1 + 10 + 10;
std::size_t appendSetWayLiteral(const SetWayTrapStep& step, std::uint8_t* out);

// A batch whose code does not decode to its count of traps ending at its last cycle count (a damaged trace).
class SetWayTrapCodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SetWayTrap {
    std::uint64_t vtimeNs = 0;
    std::uint64_t cycles = 0;
    std::uint8_t op = 0;
    std::uint64_t operand = 0;
};

struct SetWayTrapBatch;
// Every trap of a batch, in order. Throws SetWayTrapCodeError saying what does not fit.
std::vector<SetWayTrap> decodeSetWayTraps(const SetWayTrapBatch& batch);

} // namespace vcm::tracer

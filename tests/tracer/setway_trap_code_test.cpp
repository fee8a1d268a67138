// The set/way trap code (setway_trap_code.h): whatever SetWayTrapRecorder records, decodeSetWayTraps gives back
// exactly, batch by batch within the limits; a guest's set/way loop codes to about half a byte per trap; a damaged
// batch is refused with a reason, never decoded into other traps.
#include "vcm/tracer/setway_trap_recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vcm::tracer {
namespace {

using ::testing::HasSubstr;

// A batch with its bytes, kept after the recorder's call returns.
struct KeptBatch {
    SetWayTrapBatch batch;
    std::vector<std::uint8_t> codes;
    std::vector<std::uint8_t> literals;
    SetWayTrapBatch view() const
    {
        SetWayTrapBatch b = batch;
        b.codes = codes;
        b.literals = literals;
        return b;
    }
};

struct Recorded {
    std::vector<KeptBatch> batches;
    SetWayTrapRecorder recorder{[this](const SetWayTrapBatch& b) {
        batches.push_back({b, {b.codes.begin(), b.codes.end()}, {b.literals.begin(), b.literals.end()}});
    }};
};

constexpr SetWayTrapSource kSource{1, 2, 3, 2000};

// The traps of a canonical DC CISW loop over one cache level (Arm ARM D7.5.9.3: way in the top bits, set above
// the line size, level in bits [3:1]), ways inner as in the storm guest, each trap a fixed number of cycles after
// the one before and a slower step at each new set.
std::vector<SetWayTrap> canonicalLoop(unsigned level, unsigned sets, unsigned ways, std::uint64_t start)
{
    std::vector<SetWayTrap> traps;
    std::uint64_t cycles = start;
    for (unsigned set = 0; set < sets; ++set)
        for (unsigned way = 0; way < ways; ++way) {
            cycles += way == 0 ? 1513 : 1506;
            traps.push_back({cycles / 2, cycles, 2,
                             (std::uint64_t{way} << 30) | (std::uint64_t{set} << 6) | (std::uint64_t{level} << 1)});
        }
    return traps;
}

std::vector<SetWayTrap> recordAndDecode(Recorded& r, const std::vector<SetWayTrap>& traps)
{
    r.recorder.bind(kSource);
    for (const SetWayTrap& t : traps)
        r.recorder.record(t.cycles, t.op, t.operand);
    r.recorder.flush();
    std::vector<SetWayTrap> decoded;
    for (const KeptBatch& kept : r.batches) {
        const SetWayTrapBatch b = kept.view();
        EXPECT_EQ(b.vm, kSource.vm);
        EXPECT_EQ(b.vcpu, kSource.vcpu);
        EXPECT_EQ(b.core, kSource.core);
        EXPECT_EQ(b.coreMHz, kSource.coreMHz);
        EXPECT_LE(b.count, kMaximumSetWayTraps);
        EXPECT_LE(b.literals.size(), kMaximumSetWayLiteralStream + kMaximumSetWayLiteralBytes);
        for (const SetWayTrap& t : decodeSetWayTraps(b))
            decoded.push_back(t);
    }
    return decoded;
}

void expectSameTraps(const std::vector<SetWayTrap>& decoded, const std::vector<SetWayTrap>& traps)
{
    ASSERT_EQ(decoded.size(), traps.size());
    for (std::size_t i = 0; i < traps.size(); ++i) {
        ASSERT_EQ(decoded[i].cycles, traps[i].cycles) << "trap " << i;
        ASSERT_EQ(decoded[i].vtimeNs, traps[i].cycles * 1000 / kSource.coreMHz) << "trap " << i;
        ASSERT_EQ(decoded[i].op, traps[i].op) << "trap " << i;
        ASSERT_EQ(decoded[i].operand, traps[i].operand) << "trap " << i;
    }
}

TEST(SetWayTrapCode, ACanonicalLoopCodesToHalfAByteATrapAndDecodesExactly)
{
    std::vector<SetWayTrap> traps = canonicalLoop(0, 256, 4, 1'000'000);
    const std::vector<SetWayTrap> l2 = canonicalLoop(1, 1024, 8, traps.back().cycles + 90'000); // after a tick
    traps.insert(traps.end(), l2.begin(), l2.end());
    Recorded r;
    expectSameTraps(recordAndDecode(r, traps), traps);
    std::size_t codes = 0;
    std::size_t literals = 0;
    for (const KeptBatch& b : r.batches) {
        codes += b.codes.size();
        literals += b.literals.size();
    }
    EXPECT_EQ(r.batches.size(), (traps.size() + kMaximumSetWayTraps - 1) / kMaximumSetWayTraps) << "only full batches";
    EXPECT_LE(codes, traps.size() / 2);
    EXPECT_LE(literals, 32 * r.batches.size()) << "a few distinct steps per batch, 8 or 9 bytes each";
}

TEST(SetWayTrapCode, AnyStepsRoundTripAcrossBatchLimits)
{
    // Steps that rarely repeat (they fill the literal stream and overflow the dictionary), steps that go
    // backwards, values across the whole 64 bits, op changes and runs of one step, from a fixed seed.
    std::mt19937_64 random(20261121);
    std::vector<SetWayTrap> traps;
    std::uint64_t cycles = 5;
    std::uint64_t operand = 0;
    std::uint64_t repeatCycles = 7;
    std::uint64_t repeatOperand = 0x40;
    for (int i = 0; i < 30'000; ++i) {
        const std::uint64_t choice = random() % 10;
        if (choice < 5) {
            cycles += repeatCycles;
            operand += repeatOperand;
        } else if (choice < 8) {
            cycles += random() % 5000;
            operand += random() % 3 == 0 ? random() : (0 - random() % 4096);
        } else if (choice == 8) {
            cycles += random() >> 20;
            operand = random();
        } else {
            repeatCycles = random() % 100;
            repeatOperand = random() % 2 == 0 ? 0x40 : 0xffffffffc0000000ull;
        }
        traps.push_back({0, cycles, static_cast<std::uint8_t>(random() % 7 == 0 ? random() % 3 : 2), operand});
    }
    Recorded r;
    expectSameTraps(recordAndDecode(r, traps), traps);
    EXPECT_GT(r.batches.size(), traps.size() / kMaximumSetWayTraps + 1) << "the literal stream ended some batches";
}

TEST(SetWayTrapCode, TheRunStepSurvivesInterruptionsAndLosingItsSlot)
{
    // The recorder's fast path expects its run step: a step that comes twice in a row. Here one step runs
    // throughout, interrupted by single steps (an outer loop's), by pairs of a new step (which take over as the
    // run step), by new steps enough to evict every slot of the dictionary, including the run step's, and by
    // the batch limit at every phase of the pattern.
    std::mt19937_64 random(7);
    std::vector<SetWayTrap> traps;
    std::uint64_t cycles = 100;
    std::uint64_t operand = 0;
    for (int i = 0; i < 3 * static_cast<int>(kMaximumSetWayTraps) + 77; ++i) {
        const int phase = i % 11;
        std::uint64_t stepCycles = 1506;
        std::uint64_t stepOperand = 0x40000000;
        if (phase == 3) { // once: the outer step
            stepCycles = 1513;
            stepOperand = 0x40 - 3 * 0x40000000ull;
        } else if (phase == 7 || phase == 8) { // twice: a step new to the dictionary every time
            stepCycles = 2000 + static_cast<std::uint64_t>(i / 11);
            stepOperand = random() % 64;
        }
        cycles += stepCycles;
        operand += stepOperand;
        traps.push_back({0, cycles, static_cast<std::uint8_t>(phase == 9 && i % 5 == 0 ? 1 : 2), operand});
    }
    Recorded r;
    expectSameTraps(recordAndDecode(r, traps), traps);
    EXPECT_GE(r.batches.size(), 4u);
}

TEST(SetWayTrapCode, LoopsOfEveryShapeRoundTrip)
{
    // The recorder takes a loop's inner step as its run step and the outer step as its turn step, and swaps them
    // when the turn step comes twice in a row. Loops with 1 to 16 ways (1 way: only outer steps), each level after
    // the one before, two steps that alternate every trap, and a pattern that is never the same twice in a row
    // for long: all decode to exactly the traps recorded, whatever role each step had when it was taken.
    std::vector<SetWayTrap> traps;
    std::uint64_t start = 1000;
    for (const unsigned ways : {1u, 2u, 3u, 4u, 7u, 15u, 16u}) {
        const std::vector<SetWayTrap> level = canonicalLoop(ways % 7, 97, ways, start);
        traps.insert(traps.end(), level.begin(), level.end());
        start = traps.back().cycles + 5000;
    }
    std::uint64_t cycles = start;
    std::uint64_t operand = 0;
    for (int i = 0; i < 999; ++i) { // A B A B ...
        cycles += i % 2 == 0 ? 100u : 200u;
        operand += i % 2 == 0 ? 0x40u : 0x1000u;
        traps.push_back({0, cycles, 2, operand});
    }
    std::mt19937_64 random(5);
    for (int i = 0; i < 5000; ++i) { // runs of 1 to 4 of three steps, in random order
        const std::uint64_t step = random() % 3;
        for (std::uint64_t n = 1 + random() % 4; n > 0; --n) {
            cycles += 10 + step;
            operand += step << 6;
            traps.push_back({0, cycles, static_cast<std::uint8_t>(step == 2 ? 1 : 2), operand});
        }
    }
    Recorded r;
    expectSameTraps(recordAndDecode(r, traps), traps);
}

TEST(SetWayTrapCode, AnotherVcpuOrCoreStartsABatch)
{
    // A vCPU binds its source object at each slice and flushes before it changes it (a migration).
    Recorded r;
    SetWayTrapSource vcpu2{1, 2, 3, 2000};
    const SetWayTrapSource vcpu5{1, 5, 4, 2000};
    r.recorder.bind(vcpu2);
    r.recorder.record(10, 2, 0);
    r.recorder.record(20, 2, 0x40);
    r.recorder.bind(vcpu2); // its next slice: the batch goes on
    r.recorder.record(25, 2, 0x60);
    r.recorder.flush();
    vcpu2.core = 4; // migrated to core 4
    r.recorder.record(30, 2, 0x80);
    r.recorder.bind(vcpu5); // another vCPU
    r.recorder.record(40, 2, 0xc0);
    EXPECT_EQ(r.recorder.held(), 1u);
    r.recorder.release(vcpu2); // not the one bound: nothing happens
    EXPECT_EQ(r.recorder.held(), 1u);
    r.recorder.release(vcpu5);
    EXPECT_EQ(r.recorder.held(), 0u);
    EXPECT_THROW(r.recorder.record(50, 2, 0x100), std::logic_error) << "no source is bound";
    ASSERT_EQ(r.batches.size(), 3u);
    EXPECT_EQ(r.batches[0].batch.count, 3u);
    EXPECT_EQ(r.batches[1].batch.core, 4u);
    EXPECT_EQ(r.batches[2].batch.vcpu, 5u);
    EXPECT_EQ(r.batches[2].batch.firstCycles, 40u);
    EXPECT_EQ(r.batches[2].batch.lastCycles, 40u);
}

TEST(SetWayTrapCode, ADamagedBatchIsRefusedWithTheReason)
{
    Recorded r;
    const std::vector<SetWayTrap> traps = canonicalLoop(0, 8, 4, 100);
    recordAndDecode(r, traps);
    ASSERT_EQ(r.batches.size(), 1u);
    const KeptBatch good = r.batches.front();
    ASSERT_EQ(decodeSetWayTraps(good.view()).size(), traps.size());

    auto refused = [](const KeptBatch& damaged) {
        try {
            decodeSetWayTraps(damaged.view());
        } catch (const SetWayTrapCodeError& e) {
            return std::string(e.what());
        }
        return std::string("decoded");
    };
    KeptBatch b = good;
    b.codes.pop_back();
    EXPECT_THAT(refused(b), HasSubstr("32 traps need 16 code bytes"));
    b = good;
    b.batch.lastCycles += 1;
    EXPECT_THAT(refused(b), HasSubstr("the traps end at cycle"));
    b = good;
    b.literals.push_back(0);
    EXPECT_THAT(refused(b),
                HasSubstr("1 of the " + std::to_string(b.literals.size()) + " literal bytes are left over"));
    b = good;
    b.literals.resize(4);
    EXPECT_THAT(refused(b), HasSubstr("literal bytes are used up"));
    b = good;
    b.codes[0] = 0xff; // a code changed: the steps that follow are not the ones the batch ends with
    EXPECT_NE(refused(b), "decoded");
    b = good;
    b.codes[0] = 0x0e; // code 14 before any step was entered
    EXPECT_THAT(refused(b), HasSubstr("trap 1 has code 14, which names no step yet"));
    b = good;
    b.literals.assign(12, 0xff); // the op byte, then a number that never ends within 64 bits
    EXPECT_THAT(refused(b), HasSubstr("longer than 64 bits"));
    b = good;
    b.batch.coreMHz = 0;
    EXPECT_THAT(refused(b), HasSubstr("core_mhz is 0"));
    b = good;
    b.batch.count = 0;
    EXPECT_THAT(refused(b), HasSubstr("a batch of 0 traps"));
    b = good;
    b.batch.count = 0xffffffff;
    EXPECT_THAT(refused(b), HasSubstr("a batch of 4294967295 traps"));
}

} // namespace
} // namespace vcm::tracer

// TrapBatchingSink: set/way traps recorded into its SetWayTrapRecorder reach the next sink in batches, and the
// stream keeps its order: every other event, a change of vCPU or core, a full batch and the end of the run pass
// on what is held first.
#include "vcm/tracer/trap_batching_sink.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vcm::tracer {
namespace {

// Writes down what reaches it: "traps(vm,vcpu,core:t1,t2,...)", "trap(kind,t)", "tick(t)", "end(t)".
struct Recorder : EventSink {
    std::vector<std::string> seen;
    std::vector<std::vector<SetWayTrap>> decoded;
    std::vector<std::pair<std::size_t, std::size_t>> sizes; // code and literal bytes of each batch
    void setWayTraps(const SetWayTrapBatch& batch) override
    {
        std::string text = "traps(" + std::to_string(batch.vm) + "," + std::to_string(batch.vcpu) + "," +
                           std::to_string(batch.core) + ":";
        const std::vector<SetWayTrap> traps = decodeSetWayTraps(batch);
        for (std::size_t i = 0; i < traps.size(); ++i)
            text += (i == 0 ? "" : ",") + std::to_string(traps[i].vtimeNs);
        seen.push_back(text + ")");
        decoded.push_back(traps);
        sizes.push_back({batch.codes.size(), batch.literals.size()});
    }
    void trap(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t, TrapKind kind, std::uint32_t,
              std::uint64_t, std::uint64_t, std::uint64_t) override
    {
        seen.push_back("trap(" + std::to_string(static_cast<int>(kind)) + "," + std::to_string(t) + ")");
    }
    void timerTick(std::uint64_t t, std::uint32_t) override { seen.push_back("tick(" + std::to_string(t) + ")"); }
    void runEnd(std::uint64_t t, std::uint64_t) override { seen.push_back("end(" + std::to_string(t) + ")"); }
};

// A trap at cycle t of a 1000 MHz core: at t ns. Each vCPU binds its own source object, as Vcpu::run does at every
// slice (binding the one already bound changes nothing); a migration changes its core after a flush, as
// Vcpu::setCore does.
void setWay(EventSink& sink, std::uint64_t t, std::uint32_t vcpu = 0, std::uint32_t core = 0)
{
    static SetWayTrapSource sources[2];
    SetWayTrapRecorder* recorder = sink.setWayTrapRecorder();
    ASSERT_NE(recorder, nullptr);
    SetWayTrapSource& source = sources[vcpu];
    if (source.core != core)
        recorder->flush();
    source = {0, vcpu, core, 1000};
    recorder->bind(source);
    recorder->record(t, 2, 0x100 + t);
}

TEST(TrapBatchingSink, OtherEventsAndVcpuChangesCloseTheBatchInOrder)
{
    Recorder next;
    {
        TrapBatchingSink batching(next);
        setWay(batching, 1);
        setWay(batching, 2);
        batching.timerTick(3, 0);
        setWay(batching, 4);
        batching.trap(5, 0, 0, 0, TrapKind::VmRegister, 7, 0, 1, 2);
        setWay(batching, 6);
        setWay(batching, 7, 1);          // another vCPU
        setWay(batching, 8, 1, 2);       // the same vCPU, migrated to core 2
        batching.runEnd(9, 100);
        setWay(batching, 10);            // after the end: passed on by the destructor
    }
    const std::vector<std::string> expected = {"traps(0,0,0:1,2)", "tick(3)",         "traps(0,0,0:4)",
                                               "trap(1,5)",        "traps(0,0,0:6)",  "traps(0,1,0:7)",
                                               "traps(0,1,2:8)",   "end(9)",          "traps(0,0,0:10)"};
    EXPECT_EQ(next.seen, expected);
    ASSERT_EQ(next.decoded.size(), 6u);
    ASSERT_EQ(next.decoded[0].size(), 2u);
    EXPECT_EQ(next.decoded[0][1].op, 2);
    EXPECT_EQ(next.decoded[0][0].operand, 0x101u);
    EXPECT_EQ(next.decoded[0][1].operand, 0x102u);
}

TEST(TrapBatchingSink, ASetWayTrapWithoutTheRecorderIsATrapEvent)
{
    // What a sink without a recorder gets from the vCPU: one trap() each, passed on in order.
    Recorder next;
    TrapBatchingSink batching(next);
    setWay(batching, 1);
    batching.trap(2, 0, 0, 0, TrapKind::SetWay, 2, 0x102, 0, 0);
    setWay(batching, 3);
    batching.flush();
    EXPECT_EQ(next.seen, (std::vector<std::string>{"traps(0,0,0:1)", "trap(0,2)", "traps(0,0,0:3)"}));
}

TEST(TrapBatchingSink, AFullBatchIsPassedOnAtOnce)
{
    Recorder next;
    TrapBatchingSink batching(next);
    const std::uint64_t traps = kMaximumSetWayTraps * 2 + 5;
    for (std::uint64_t t = 0; t < traps; ++t)
        setWay(batching, t);
    ASSERT_EQ(next.decoded.size(), 2u) << "two full batches passed on, the rest still held";
    EXPECT_EQ(next.decoded[1].front().vtimeNs, kMaximumSetWayTraps);
    batching.flush();
    ASSERT_EQ(next.decoded.size(), 3u);
    EXPECT_EQ(next.decoded[2].size(), 5u);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < next.decoded.size(); ++i) {
        EXPECT_LE(next.decoded[i].size(), kMaximumSetWayTraps);
        total += next.decoded[i].size();
        for (std::size_t j = 0; j < next.decoded[i].size(); ++j)
            EXPECT_EQ(next.decoded[i][j].operand, 0x100 + next.decoded[i][j].vtimeNs);
    }
    EXPECT_EQ(total, traps);
    // One step repeated: one literal per batch, half a byte per trap after the first.
    EXPECT_EQ(next.sizes[0], (std::pair<std::size_t, std::size_t>{kMaximumSetWayTraps / 2, 3}));
    batching.flush();
    EXPECT_EQ(next.decoded.size(), 3u) << "nothing held, nothing passed on";
}

} // namespace
} // namespace vcm::tracer

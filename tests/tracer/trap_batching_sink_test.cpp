// TrapBatchingSink: set/way traps reach the next sink in batches, and the stream keeps its order: every other
// event, a change of vCPU or core, a full batch and the end of the run pass on what is held first.
#include "vcm/tracer/trap_batching_sink.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vcm::tracer {
namespace {

// Writes down what reaches it: "traps(vm,vcpu,core:t1,t2,...)", "trap(kind,t)", "tick(t)", "end(t)".
struct Recorder : EventSink {
    std::vector<std::string> seen;
    std::vector<SetWayTrapBatch> batches;
    void setWayTraps(const SetWayTrapBatch& batch) override
    {
        std::string text = "traps(" + std::to_string(batch.vm) + "," + std::to_string(batch.vcpu) + "," +
                           std::to_string(batch.core) + ":";
        for (std::size_t i = 0; i < batch.size(); ++i)
            text += (i == 0 ? "" : ",") + std::to_string(batch.vtimeNs[i]);
        seen.push_back(text + ")");
        batches.push_back(batch);
    }
    void trap(std::uint64_t t, std::uint32_t, std::uint32_t, std::uint32_t, TrapKind kind, std::uint32_t,
              std::uint64_t, std::uint64_t, std::uint64_t) override
    {
        seen.push_back("trap(" + std::to_string(static_cast<int>(kind)) + "," + std::to_string(t) + ")");
    }
    void timerTick(std::uint64_t t, std::uint32_t) override { seen.push_back("tick(" + std::to_string(t) + ")"); }
    void runEnd(std::uint64_t t, std::uint64_t) override { seen.push_back("end(" + std::to_string(t) + ")"); }
};

void setWay(EventSink& sink, std::uint64_t t, std::uint32_t vcpu = 0, std::uint32_t core = 0)
{
    sink.trap(t, 0, vcpu, core, TrapKind::SetWay, 2, 0x100 + t, 0, 0);
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
    ASSERT_EQ(next.batches.size(), 6u);
    EXPECT_EQ(next.batches[0].detail, (std::vector<std::uint32_t>{2, 2}));
    EXPECT_EQ(next.batches[0].operand, (std::vector<std::uint64_t>{0x101, 0x102}));
}

TEST(TrapBatchingSink, AFullBatchIsPassedOnAtOnce)
{
    Recorder next;
    TrapBatchingSink batching(next);
    const std::uint64_t traps = TrapBatchingSink::kMaximumBatch * 2 + 5;
    for (std::uint64_t t = 0; t < traps; ++t)
        setWay(batching, t);
    ASSERT_EQ(next.batches.size(), 2u) << "two full batches passed on, the rest still held";
    EXPECT_EQ(next.batches[1].vtimeNs.front(), TrapBatchingSink::kMaximumBatch);
    batching.flush();
    ASSERT_EQ(next.batches.size(), 3u);
    EXPECT_EQ(next.batches[2].size(), 5u);
    std::uint64_t total = 0;
    for (const SetWayTrapBatch& batch : next.batches) {
        EXPECT_LE(batch.size(), TrapBatchingSink::kMaximumBatch);
        total += batch.size();
    }
    EXPECT_EQ(total, traps);
    batching.flush();
    EXPECT_EQ(next.batches.size(), 3u) << "nothing held, nothing passed on";
}

} // namespace
} // namespace vcm::tracer

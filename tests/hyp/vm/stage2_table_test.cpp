// Stage-2 tree: block selection, splitting, freeing, access-tracking valid bits and the resumable ordered walk.
#include "vcm/hyp/vm/stage2_table.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace vcm::hyp::vm {
namespace {

constexpr std::uint64_t k2MiB = 512;    // frames in a level-2 block
constexpr std::uint64_t k1GiB = 262144; // frames in a level-1 block

// Every leaf a walk hands over, in call order.
std::vector<Stage2Entry> collect(const Stage2Table& table, Gfn start, Gfn end, WalkFilter filter,
                                 WalkResult* result = nullptr)
{
    std::vector<Stage2Entry> leaves;
    const WalkResult r = table.walk(start, end, filter, [&](const Stage2Entry& leaf) {
        leaves.push_back(leaf);
        return WalkAction::Continue;
    });
    if (result != nullptr)
        *result = r;
    return leaves;
}

template <typename Exception, typename Call> std::string messageOf(Call call)
{
    try {
        call();
    } catch (const Exception& error) {
        return error.what();
    }
    ADD_FAILURE() << "expected an exception";
    return {};
}

TEST(Stage2Table, MapsLooksUpAndTranslatesPages)
{
    Stage2Table table;
    EXPECT_EQ(table.tableCount(), 1u) << "an empty tree is the root alone";
    table.map(0x10, 0x5000, 3, Stage2Type::Ram);

    const auto leaf = table.lookup(0x11);
    ASSERT_TRUE(leaf.has_value());
    EXPECT_EQ(leaf->gfn, 0x11u);
    EXPECT_EQ(leaf->mfn, 0x5001u);
    EXPECT_EQ(leaf->level, 3u);
    EXPECT_EQ(leaf->pages, 1u);
    EXPECT_TRUE(leaf->valid);
    EXPECT_EQ(leaf->type, Stage2Type::Ram);

    EXPECT_EQ(table.translate(0x10), 0x5000u);
    EXPECT_EQ(table.translate(0x12), 0x5002u);
    EXPECT_FALSE(table.translate(0x0f).has_value());
    EXPECT_FALSE(table.translate(0x13).has_value());
    EXPECT_FALSE(table.lookup(0x13).has_value());
    EXPECT_FALSE(table.lookup(Stage2Table::kGfnLimit).has_value()) << "beyond the IPA space is simply unmapped";
    EXPECT_EQ(table.mappedPages(), 3u);
    EXPECT_EQ(table.tableCount(), 3u) << "root, one level-2 and one level-3 table";
}

TEST(Stage2Table, RecordsTheTypeOfEachMapping)
{
    Stage2Table table;
    table.map(0x100, 0x9000, 1, Stage2Type::Mmio);
    table.map(0x101, 0x100, 1, Stage2Type::Ram);
    EXPECT_EQ(table.lookup(0x100)->type, Stage2Type::Mmio);
    EXPECT_EQ(table.lookup(0x101)->type, Stage2Type::Ram);
}

TEST(Stage2Table, UsesBlocksForAligned2MiBAnd1GiBRanges)
{
    Stage2Table table;
    table.map(k2MiB, 2 * k2MiB, k2MiB, Stage2Type::Ram);
    const auto block2M = table.lookup(k2MiB + 7);
    ASSERT_TRUE(block2M.has_value());
    EXPECT_EQ(block2M->level, 2u);
    EXPECT_EQ(block2M->gfn, k2MiB) << "lookup returns the block as stored";
    EXPECT_EQ(block2M->mfn, 2 * k2MiB);
    EXPECT_EQ(block2M->pages, k2MiB);
    EXPECT_EQ(table.translate(k2MiB + 7), 2 * k2MiB + 7);
    EXPECT_EQ(table.tableCount(), 2u) << "root and one level-2 table, no level-3 table";

    table.map(3 * k1GiB, 5 * k1GiB, k1GiB, Stage2Type::Ram);
    const auto block1G = table.lookup(3 * k1GiB + 12345);
    ASSERT_TRUE(block1G.has_value());
    EXPECT_EQ(block1G->level, 1u);
    EXPECT_EQ(block1G->pages, k1GiB);
    EXPECT_EQ(table.translate(3 * k1GiB + 12345), 5 * k1GiB + 12345);
    EXPECT_EQ(table.tableCount(), 2u) << "a 1 GiB block lives in the root";
    EXPECT_EQ(table.mappedPages(), k2MiB + k1GiB);
}

TEST(Stage2Table, FallsBackToPagesWhenUnalignedOrBlocksAreRefused)
{
    Stage2Table table;
    table.map(0, 1, k2MiB, Stage2Type::Ram); // gfn aligned, mfn not: no block descriptor can express it
    EXPECT_EQ(table.lookup(0)->level, 3u);
    EXPECT_EQ(table.translate(k2MiB - 1), k2MiB);

    table.map(k1GiB, k1GiB, k2MiB, Stage2Type::Ram, /*allowBlocks=*/false);
    EXPECT_EQ(table.lookup(k1GiB + 3)->level, 3u);

    // Unaligned head and tail become pages, the aligned middle a block.
    table.map(2 * k1GiB + 256, 4 * k1GiB + 256, 1024, Stage2Type::Ram);
    EXPECT_EQ(table.lookup(2 * k1GiB + 256)->level, 3u);
    EXPECT_EQ(table.lookup(2 * k1GiB + 511)->level, 3u);
    EXPECT_EQ(table.lookup(2 * k1GiB + 512)->level, 2u);
    EXPECT_EQ(table.lookup(2 * k1GiB + 1023)->level, 2u);
    EXPECT_EQ(table.lookup(2 * k1GiB + 1024)->level, 3u);
    EXPECT_EQ(table.translate(2 * k1GiB + 1279), 4 * k1GiB + 1279);
    EXPECT_FALSE(table.translate(2 * k1GiB + 1280).has_value());
    EXPECT_EQ(table.mappedPages(), 2 * k2MiB + 1024);
}

TEST(Stage2Table, SixtyFourGiBOf1GiBBlocksIsTheRootAlone)
{
    Stage2Table table;
    table.map(0, k1GiB, 64 * k1GiB, Stage2Type::Ram);
    EXPECT_EQ(table.tableCount(), 1u);
    EXPECT_EQ(table.mappedPages(), 64 * k1GiB);
    EXPECT_EQ(table.translate(64 * k1GiB - 1), 65 * k1GiB - 1);
    EXPECT_FALSE(table.translate(64 * k1GiB).has_value());
    WalkResult result;
    EXPECT_EQ(collect(table, 0, Stage2Table::kGfnLimit, WalkFilter::ValidOnly, &result).size(), 64u);
    EXPECT_EQ(result.unmappedSkipped, 1u) << "the 448 empty gigabytes above are one run";
}

TEST(Stage2Table, UnmappingPartOfA2MiBBlockKeepsTheRest)
{
    Stage2Table table;
    const Gfn base = 4 * k2MiB;
    const Mfn mfn = 0x40000;
    table.map(base, mfn, k2MiB, Stage2Type::Mmio);
    ASSERT_EQ(table.tableCount(), 2u);

    table.unmap(base + 100, 10);
    EXPECT_EQ(table.translate(base + 99), mfn + 99);
    EXPECT_FALSE(table.translate(base + 100).has_value());
    EXPECT_FALSE(table.translate(base + 109).has_value());
    EXPECT_EQ(table.translate(base + 110), mfn + 110);
    EXPECT_EQ(table.translate(base + k2MiB - 1), mfn + k2MiB - 1);
    EXPECT_EQ(table.lookup(base)->level, 3u) << "the block was split into pages";
    EXPECT_EQ(table.lookup(base + 110)->type, Stage2Type::Mmio) << "split pages keep the block's type";
    EXPECT_EQ(table.mappedPages(), k2MiB - 10);
    EXPECT_EQ(table.tableCount(), 3u);
}

TEST(Stage2Table, UnmappingPartOfA1GiBBlockSplitsOnlyWhereNeeded)
{
    Stage2Table table;
    table.map(k1GiB, 2 * k1GiB, k1GiB, Stage2Type::Ram);
    table.unmap(k1GiB + 3 * k2MiB + 1, 1);

    EXPECT_FALSE(table.translate(k1GiB + 3 * k2MiB + 1).has_value());
    EXPECT_EQ(table.translate(k1GiB + 3 * k2MiB), 2 * k1GiB + 3 * k2MiB);
    EXPECT_EQ(table.translate(k1GiB + 3 * k2MiB + 2), 2 * k1GiB + 3 * k2MiB + 2);
    EXPECT_EQ(table.lookup(k1GiB + 3 * k2MiB)->level, 3u);
    const auto neighbour = table.lookup(k1GiB + 4 * k2MiB);
    ASSERT_TRUE(neighbour.has_value());
    EXPECT_EQ(neighbour->level, 2u) << "the other 2 MiB pieces stay blocks";
    EXPECT_EQ(neighbour->mfn, 2 * k1GiB + 4 * k2MiB);
    EXPECT_EQ(table.tableCount(), 3u);
    EXPECT_EQ(table.mappedPages(), k1GiB - 1);
}

TEST(Stage2Table, UnmappingEverythingFreesEveryTableButTheRoot)
{
    Stage2Table table;
    table.map(7, 7, 1, Stage2Type::Ram);
    table.map(k1GiB + 5 * k2MiB + 3, 9, 600, Stage2Type::Ram);
    table.map(40 * k1GiB, 0, k2MiB, Stage2Type::Ram);
    ASSERT_GT(table.tableCount(), 4u);

    table.unmap(k1GiB + 5 * k2MiB + 3, 300);
    EXPECT_EQ(table.mappedPages(), 1u + 300u + k2MiB);
    table.unmap(0, 41 * k1GiB); // includes every hole: unmapped frames are ignored
    EXPECT_EQ(table.mappedPages(), 0u);
    EXPECT_EQ(table.tableCount(), 1u);
    EXPECT_TRUE(collect(table, 0, Stage2Table::kGfnLimit, WalkFilter::AllMapped).empty());
}

TEST(Stage2Table, TablesAreFreedWhenTheirLastEntryIsUnmappedPieceByPiece)
{
    Stage2Table table;
    table.map(5 * k1GiB + 3 * k2MiB + 7, 0, 2, Stage2Type::Ram);
    table.map(5 * k1GiB + 9 * k2MiB, 0, 1, Stage2Type::Ram);
    ASSERT_EQ(table.tableCount(), 4u) << "root, one level-2 and two level-3 tables";

    table.unmap(5 * k1GiB + 3 * k2MiB + 7, 1);
    EXPECT_EQ(table.tableCount(), 4u) << "its level-3 table still holds a page";
    table.unmap(5 * k1GiB + 3 * k2MiB + 8, 1);
    EXPECT_EQ(table.tableCount(), 3u) << "the emptied level-3 table is freed";
    table.unmap(5 * k1GiB + 9 * k2MiB, 1);
    EXPECT_EQ(table.tableCount(), 1u) << "emptiness propagates up to the level-2 table";
    EXPECT_EQ(table.mappedPages(), 0u);

    WalkResult result;
    EXPECT_TRUE(collect(table, 0, Stage2Table::kGfnLimit, WalkFilter::AllMapped, &result).empty());
    EXPECT_EQ(result.unmappedSkipped, 1u) << "no empty table is left behind for the walk to enter";
}

TEST(Stage2Table, MappingOverAMappingReplacesIt)
{
    Stage2Table table;
    table.map(k2MiB, 0x1000 * k2MiB, k2MiB, Stage2Type::Ram);
    table.map(k2MiB + 8, 0x77, 1, Stage2Type::Mmio);
    EXPECT_EQ(table.translate(k2MiB + 8), 0x77u);
    EXPECT_EQ(table.lookup(k2MiB + 8)->type, Stage2Type::Mmio);
    EXPECT_EQ(table.translate(k2MiB + 7), 0x1000 * k2MiB + 7);
    EXPECT_EQ(table.translate(k2MiB + 9), 0x1000 * k2MiB + 9);
    EXPECT_EQ(table.mappedPages(), k2MiB);
    EXPECT_EQ(table.tableCount(), 3u);

    // Mapping the whole block again discards the level-3 table the split created.
    table.map(k2MiB, 0x2000 * k2MiB, k2MiB, Stage2Type::Ram);
    EXPECT_EQ(table.lookup(k2MiB + 8)->level, 2u);
    EXPECT_EQ(table.translate(k2MiB + 8), 0x2000 * k2MiB + 8);
    EXPECT_EQ(table.mappedPages(), k2MiB);
    EXPECT_EQ(table.tableCount(), 2u);
}

TEST(Stage2Table, SetValidOnPartOfABlockChangesOnlyThosePages)
{
    Stage2Table table;
    const Gfn base = 6 * k2MiB;
    table.map(base, base, k2MiB, Stage2Type::Ram);
    table.setValid(base + 10, 5, false);

    const auto invalid = table.lookup(base + 12);
    ASSERT_TRUE(invalid.has_value()) << "invalid is still mapped";
    EXPECT_FALSE(invalid->valid);
    EXPECT_EQ(invalid->mfn, base + 12) << "the mapping survives the cleared valid bit";
    EXPECT_FALSE(table.translate(base + 10).has_value());
    EXPECT_FALSE(table.translate(base + 14).has_value());
    EXPECT_EQ(table.translate(base + 9), base + 9);
    EXPECT_EQ(table.translate(base + 15), base + 15);
    EXPECT_EQ(table.mappedPages(), k2MiB);

    table.setValid(base, k2MiB, true); // the fault handler revalidates
    EXPECT_EQ(table.translate(base + 12), base + 12);
}

TEST(Stage2Table, SetValidOverAWholeBlockKeepsTheBlock)
{
    Stage2Table table;
    table.map(0, 0, k1GiB, Stage2Type::Ram);
    table.setValid(0, k1GiB, false);
    EXPECT_EQ(table.tableCount(), 1u);
    EXPECT_EQ(table.lookup(77)->level, 1u);
    EXPECT_FALSE(table.lookup(77)->valid);
    EXPECT_FALSE(table.translate(77).has_value());
    table.setValid(k1GiB, 10, false); // nothing mapped there: ignored
    EXPECT_EQ(table.tableCount(), 1u);
}

TEST(Stage2Table, WalkVisitsLeavesInIncreasingOrderClippedToTheRange)
{
    Stage2Table table;
    table.map(3 * k1GiB, 0, k1GiB, Stage2Type::Ram);     // level-1 block
    table.map(5, 100, 2, Stage2Type::Mmio);              // two pages
    table.map(k2MiB, 4 * k2MiB, k2MiB, Stage2Type::Ram); // level-2 block

    const std::vector<Stage2Entry> leaves = collect(table, 6, 3 * k1GiB + 10, WalkFilter::ValidOnly);
    ASSERT_EQ(leaves.size(), 3u);
    EXPECT_EQ(leaves[0].gfn, 6u) << "the page at 5 is outside the range";
    EXPECT_EQ(leaves[0].mfn, 101u);
    EXPECT_EQ(leaves[0].pages, 1u);
    EXPECT_EQ(leaves[0].type, Stage2Type::Mmio);
    EXPECT_EQ(leaves[1].gfn, k2MiB);
    EXPECT_EQ(leaves[1].level, 2u);
    EXPECT_EQ(leaves[1].pages, k2MiB);
    EXPECT_EQ(leaves[2].gfn, 3 * k1GiB);
    EXPECT_EQ(leaves[2].level, 1u);
    EXPECT_EQ(leaves[2].pages, 10u) << "clipped to the end of the range";
    EXPECT_EQ(leaves[2].mfn, 0u);

    // Starting inside a block clips its front, and the mfn follows.
    const std::vector<Stage2Entry> tail = collect(table, 3 * k1GiB + 100, 3 * k1GiB + 200, WalkFilter::ValidOnly);
    ASSERT_EQ(tail.size(), 1u);
    EXPECT_EQ(tail[0].gfn, 3 * k1GiB + 100);
    EXPECT_EQ(tail[0].mfn, 100u);
    EXPECT_EQ(tail[0].pages, 100u);
}

TEST(Stage2Table, WalkSkipsUnmappedGigabytesCheaply)
{
    Stage2Table table;
    table.map(3, 3, 1, Stage2Type::Ram);
    table.map(40 * k1GiB + 3, 4, 1, Stage2Type::Ram);

    WalkResult result;
    const std::vector<Stage2Entry> leaves = collect(table, 0, Stage2Table::kGfnLimit, WalkFilter::ValidOnly, &result);
    ASSERT_EQ(leaves.size(), 2u);
    EXPECT_EQ(leaves[0].gfn, 3u);
    EXPECT_EQ(leaves[1].gfn, 40 * k1GiB + 3);
    EXPECT_EQ(result.leavesVisited, 2u);
    EXPECT_FALSE(result.stopped);
    EXPECT_EQ(result.resumeAt, Stage2Table::kGfnLimit);
    EXPECT_GT(result.unmappedSkipped, 0u);
    EXPECT_LE(result.unmappedSkipped, 24u) << "skips are per empty run, not per frame or per empty entry";
}

TEST(Stage2Table, ValidOnlyWalkSkipsInvalidLeaves)
{
    Stage2Table table;
    table.map(0, 0, 3, Stage2Type::Ram);
    table.setValid(1, 1, false);

    WalkResult validOnly;
    const std::vector<Stage2Entry> valid = collect(table, 0, 3, WalkFilter::ValidOnly, &validOnly);
    ASSERT_EQ(valid.size(), 2u);
    EXPECT_EQ(valid[0].gfn, 0u);
    EXPECT_EQ(valid[1].gfn, 2u);
    EXPECT_EQ(validOnly.invalidSkipped, 1u);

    WalkResult allMapped;
    const std::vector<Stage2Entry> all = collect(table, 0, 3, WalkFilter::AllMapped, &allMapped);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_FALSE(all[1].valid);
    EXPECT_TRUE(all[0].valid);
    EXPECT_EQ(allMapped.invalidSkipped, 0u);
}

TEST(Stage2Table, StoppedWalkResumesWithoutRepeatingOrMissingALeaf)
{
    Stage2Table table;
    table.map(10, 10, 7, Stage2Type::Ram);
    table.map(k2MiB, 0, 2 * k2MiB, Stage2Type::Ram);
    table.map(2 * k1GiB, 0, k1GiB + 5, Stage2Type::Mmio);
    table.map(100 * k1GiB + 1, 0, 3, Stage2Type::Ram);
    table.setValid(12, 1, false);

    const Gfn end = 100 * k1GiB + 3; // cuts the last page run short
    const std::vector<Stage2Entry> oneShot = collect(table, 0, end, WalkFilter::ValidOnly);
    ASSERT_EQ(oneShot.size(), 6u + 2u + 1u + 5u + 2u);

    std::vector<Stage2Entry> resumed;
    Gfn start = 0;
    int calls = 0;
    for (;;) {
        int budget = 3;
        const WalkResult result = table.walk(start, end, WalkFilter::ValidOnly, [&](const Stage2Entry& leaf) {
            resumed.push_back(leaf);
            return --budget == 0 ? WalkAction::Stop : WalkAction::Continue;
        });
        ++calls;
        ASSERT_LT(calls, 100) << "the walk must make progress";
        if (!result.stopped) {
            EXPECT_EQ(result.resumeAt, end);
            break;
        }
        EXPECT_EQ(result.leavesVisited, 3u);
        EXPECT_EQ(result.resumeAt, resumed.back().gfn + resumed.back().pages);
        start = result.resumeAt;
    }
    ASSERT_EQ(resumed.size(), oneShot.size());
    std::map<Gfn, int> seen;
    for (std::size_t i = 0; i < resumed.size(); ++i) {
        EXPECT_EQ(resumed[i].gfn, oneShot[i].gfn);
        EXPECT_EQ(resumed[i].pages, oneShot[i].pages);
        EXPECT_EQ(resumed[i].mfn, oneShot[i].mfn);
        ++seen[resumed[i].gfn];
    }
    for (const auto& [gfn, count] : seen)
        EXPECT_EQ(count, 1) << "gfn " << gfn;
    EXPECT_EQ(calls, 6) << "16 leaves at 3 per call";
}

TEST(Stage2Table, StoppingInsideAClippedBlockResumesAtTheRangeEnd)
{
    Stage2Table table;
    table.map(0, 0, k2MiB, Stage2Type::Ram);
    const WalkResult result =
        table.walk(5, 20, WalkFilter::AllMapped, [](const Stage2Entry&) { return WalkAction::Stop; });
    EXPECT_TRUE(result.stopped);
    EXPECT_EQ(result.resumeAt, 20u);
}

TEST(Stage2Table, RejectsRangesOutsideTheIpaSpace)
{
    Stage2Table table;
    const Gfn last = Stage2Table::kGfnLimit - 1;
    EXPECT_EQ(Stage2Table::kGfnLimit, Gfn{1} << 27);
    table.map(last, 0, 1, Stage2Type::Ram); // the very last frame is fine
    EXPECT_EQ(table.translate(last), 0u);

    const std::string message = messageOf<std::out_of_range>([&] { table.map(last, 0, 2, Stage2Type::Ram); });
    EXPECT_NE(message.find("0x7ffffff"), std::string::npos) << message;
    EXPECT_NE(message.find("0x8000000"), std::string::npos) << message;
    EXPECT_NE(message.find("39-bit"), std::string::npos) << message;

    EXPECT_THROW(table.map(Stage2Table::kGfnLimit, 0, 1, Stage2Type::Ram), std::out_of_range);
    EXPECT_THROW(table.map(0, 0, ~std::uint64_t{0}, Stage2Type::Ram), std::out_of_range) << "no wrap-around";
    EXPECT_THROW(table.map(0, Stage2Table::kMfnLimit - 1, 2, Stage2Type::Ram), std::out_of_range);
    EXPECT_THROW(table.unmap(last, 2), std::out_of_range);
    EXPECT_THROW(table.setValid(last, 2, false), std::out_of_range);
    EXPECT_THROW((void)table.walk(0, Stage2Table::kGfnLimit + 1, WalkFilter::AllMapped,
                                  [](const Stage2Entry&) { return WalkAction::Continue; }),
                 std::out_of_range);
    EXPECT_EQ(table.mappedPages(), 1u) << "a rejected call changes nothing";
}

TEST(Stage2Table, RejectsEmptyRanges)
{
    Stage2Table table;
    const std::string message = messageOf<std::invalid_argument>([&] { table.map(0x42, 0, 0, Stage2Type::Ram); });
    EXPECT_NE(message.find("0x42"), std::string::npos) << message;
    EXPECT_THROW(table.unmap(0, 0), std::invalid_argument);
    EXPECT_THROW(table.setValid(0, 0, true), std::invalid_argument);
    EXPECT_THROW((void)table.walk(10, 5, WalkFilter::AllMapped, [](const Stage2Entry&) { return WalkAction::Stop; }),
                 std::invalid_argument);
    EXPECT_EQ(table.tableCount(), 1u);
}

} // namespace
} // namespace vcm::hyp::vm

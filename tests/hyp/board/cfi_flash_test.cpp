// The virt board's NOR flash on its own: the command sequences EDK2's VirtNorFlashDxe and U-Boot's CFI driver
// issue, with the answers QEMU's pflash_cfi01 gives (two 16-bit devices side by side on a 32-bit bus).
#include "vcm/hyp/board/cfi_flash.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace vcm::hyp::board {
namespace {

class CfiFlashTest : public ::testing::Test {
protected:
    std::vector<std::uint8_t> storage = std::vector<std::uint8_t>(4 * CfiFlash::kBlockBytes, 0x5a);
    CfiFlash flash{"flash1", storage};
    const MmioAccess cpu{};

    void command(std::uint64_t offset, std::uint32_t cmd) { flash.write(offset, 4, cmd * 0x1'0001u, cpu); }
    std::uint32_t read32(std::uint64_t offset) { return static_cast<std::uint32_t>(flash.read(offset, 4, cpu)); }
    // What a load reads from the bank: the device's answer when it is in a command, else the array. In a
    // command the answer sits in the storage the engine loads from, until the bank's next access.
    std::uint32_t load32(std::uint64_t offset)
    {
        if (flash.readsArray()) {
            std::uint32_t v = 0;
            std::memcpy(&v, storage.data() + offset, 4);
            return v;
        }
        const std::uint32_t answer = read32(offset);
        std::uint32_t inStorage = 0;
        std::memcpy(&inStorage, storage.data() + offset, 4);
        EXPECT_EQ(inStorage, answer) << "the answer is where the engine loads it from";
        return answer;
    }
};

TEST_F(CfiFlashTest, AnswersTheCfiQueryPerDeviceOnBothHalvesOfTheBus)
{
    EXPECT_TRUE(flash.readsArray());
    command(0x55 * 4, 0x98);
    EXPECT_FALSE(flash.readsArray()) << "a command takes the bank out of read-array mode (QEMU's romd off)";
    EXPECT_EQ(load32(0x10 * 4), 0x0051'0051u) << "'Q'";
    EXPECT_EQ(load32(0x11 * 4), 0x0052'0052u) << "'R'";
    EXPECT_EQ(load32(0x12 * 4), 0x0059'0059u) << "'Y'";
    EXPECT_EQ(load32(0x13 * 4), 0x0001'0001u) << "the Intel command set";
    EXPECT_EQ(load32(0x27 * 4) & 0xff, 25u) << "2^25 bytes per device, two devices: 64 MiB";
    // One erase region of 256 blocks of 128 KiB per device: the bank's blocks are 256 KiB.
    EXPECT_EQ(load32(0x2d * 4) & 0xff, 0xffu);
    EXPECT_EQ((load32(0x30 * 4) & 0xff) << 16 | (load32(0x2f * 4) & 0xff) << 8, CfiFlash::kBlockBytes / 2);
    command(0, 0xff);
    EXPECT_TRUE(flash.readsArray());
    EXPECT_EQ(storage[0x10 * 4], 0x5a) << "the array's bytes are back";
    EXPECT_EQ(storage[0x30 * 4], 0x5a);
}

TEST_F(CfiFlashTest, ReadsTheIdentifierAndReportsBlocksUnlocked)
{
    command(0, 0x90);
    EXPECT_EQ(load32(0), 0x0089'0089u) << "Intel";
    EXPECT_EQ(load32(4), 0x0018'0018u) << "the device code QEMU's virt board gives";
    EXPECT_EQ(load32(CfiFlash::kBlockBytes + 8), 0u) << "block lock status: unlocked";
    command(0, 0x50); // clear status returns to the array too
    EXPECT_TRUE(flash.readsArray());
}

TEST_F(CfiFlashTest, ErasesABlockAtItsConfirmAndReadsReady)
{
    const std::uint64_t block = CfiFlash::kBlockBytes;
    command(block, 0x60); // EDK2 unlocks a block before erasing it
    command(block, 0xd0);
    command(block + 0x100, 0x20);
    EXPECT_EQ(storage[block], 0x5a) << "nothing is erased before the confirm";
    command(block + 0x100, 0xd0);
    EXPECT_EQ(load32(block) & 0x80, 0x80u) << "SR.7 ready";
    command(0, 0xff);
    EXPECT_EQ(storage[block], 0xff);
    EXPECT_EQ(storage[2 * block - 1], 0xff) << "the whole 256 KiB block";
    EXPECT_EQ(storage[block - 1], 0x5a) << "and nothing outside it";
    EXPECT_EQ(storage[2 * block], 0x5a);
}

TEST_F(CfiFlashTest, BufferedProgramWritesTheCountedWordsThenConfirms)
{
    command(0, 0x20);
    command(0, 0xd0); // erased: every bit 1
    command(0x40, 0xe8);
    EXPECT_EQ(load32(0x40) & 0x80, 0x80u) << "the buffer is available";
    command(0x40, 3); // four bus writes to come: the count minus one in each device's half
    for (std::uint32_t i = 0; i < 4; ++i)
        flash.write(0x40 + 4 * i, 4, 0x1111'1111u * (i + 1), cpu);
    command(0x40, 0xd0);
    EXPECT_EQ(load32(0x40) & 0x0080'0080, 0x0080'0080u) << "both devices ready";
    command(0, 0xff);
    std::uint32_t word = 0;
    std::memcpy(&word, storage.data() + 0x4c, 4);
    EXPECT_EQ(word, 0x4444'4444u);
    std::memcpy(&word, storage.data() + 0x50, 4);
    EXPECT_EQ(word, 0xffff'ffffu) << "the fifth word is untouched";
}

TEST_F(CfiFlashTest, ProgrammingOnlyClearsBits)
{
    command(0, 0x40);
    flash.write(0, 4, 0xffff'00ffu, cpu); // over 0x5a5a5a5a
    command(0, 0xff);
    std::uint32_t word = 0;
    std::memcpy(&word, storage.data(), 4);
    EXPECT_EQ(word, 0x5a5a'005au) << "NOR cells go from 1 to 0 only; an erase sets them";
}

TEST_F(CfiFlashTest, ABadSequenceSetsTheErrorBitsAndAForeignCommandReturnsToTheArray)
{
    command(0, 0x20);
    command(0, 0x33); // not the erase confirm
    EXPECT_EQ(load32(0) & 0x30, 0x30u) << "SR.5 and SR.4: a command sequence error";
    EXPECT_EQ(flash.contents()[0], 0x5a) << "nothing erased";
    command(0, 0x50);
    command(0, 0xaa); // an AMD unlock cycle, as U-Boot's probe tries
    EXPECT_TRUE(flash.readsArray());
}

TEST_F(CfiFlashTest, AWideLoadIsTwoBusReadsAndContentsPutTheArrayBack)
{
    command(0, 0x98);
    const std::uint64_t both = flash.read(0x10 * 4, 8, cpu);
    EXPECT_EQ(both, 0x0052'0052'0051'0051ull) << "'Q' then 'R'";
    EXPECT_EQ(flash.contents()[0x40], 0x5a) << "the saved bank holds the array, not the lent answer";
}

} // namespace
} // namespace vcm::hyp::board

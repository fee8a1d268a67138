// GuestImage::load: good images load whole; bad ones fail with a message naming the file and the problem.
#include "vcm/hyp/guest_image.h"

#include "vcm/hyp/guest_abi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class GuestImageTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = std::filesystem::temp_directory_path() /
                ("vcm_guest_image_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(m_dir);
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::filesystem::path writeFile(const std::string& name, std::size_t size)
    {
        const auto path = m_dir / name;
        std::ofstream out(path, std::ios::binary);
        for (std::size_t i = 0; i < size; ++i)
            out.put(static_cast<char>(i * 7));
        return path;
    }

    std::string loadError(const std::filesystem::path& path)
    {
        try {
            vcm::hyp::GuestImage::load(path);
        } catch (const vcm::hyp::GuestImageError& e) {
            return e.what();
        }
        return "no error";
    }

    std::filesystem::path m_dir;
};

TEST_F(GuestImageTest, LoadsEveryByte)
{
    const auto path = writeFile("ok.bin", 4099);
    const auto image = vcm::hyp::GuestImage::load(path);
    ASSERT_EQ(image.bytes.size(), 4099u);
    EXPECT_EQ(image.bytes[0], 0);
    EXPECT_EQ(image.bytes[3], 21);
    EXPECT_EQ(image.bytes[4098], static_cast<std::uint8_t>(4098 * 7));
    EXPECT_EQ(image.path, path);
}

TEST_F(GuestImageTest, MissingFileIsNamed)
{
    const auto path = m_dir / "absent.bin";
    EXPECT_THAT(loadError(path), AllOf(HasSubstr(path.string()), HasSubstr("cannot open")));
}

TEST_F(GuestImageTest, EmptyFileIsRejected)
{
    const auto path = writeFile("empty.bin", 0);
    EXPECT_THAT(loadError(path), AllOf(HasSubstr(path.string()), HasSubstr("empty")));
}

TEST_F(GuestImageTest, OversizedFileIsRejected)
{
    const auto path = writeFile("big.bin", VCM_GUEST_IMAGE_MAX + 1);
    EXPECT_THAT(loadError(path), AllOf(HasSubstr(path.string()), HasSubstr("more than")));
}

// Issue 20, defects 8 and 11: `guest = "/dev/zero"` grew without bound and a directory failed with a stream
// error naming no file. Only regular files are images, and their size is checked before they are read.
TEST_F(GuestImageTest, OnlyRegularFilesAreImages)
{
    EXPECT_THAT(loadError("/dev/zero"), AllOf(HasSubstr("/dev/zero"), HasSubstr("not a regular file")));
    EXPECT_THAT(loadError(m_dir), AllOf(HasSubstr(m_dir.string()), HasSubstr("is a directory")));
    const auto link = m_dir / "link.bin";
    std::filesystem::create_symlink(writeFile("target.bin", 16), link);
    EXPECT_EQ(vcm::hyp::GuestImage::load(link).bytes.size(), 16u) << "a link to a regular file is one";
}

} // namespace

// Each component reports the version of the library it links, and it is the one CMake configured with.
#include "vcm/analyzer/analyzer_version.h"
#include "vcm/db/db_version.h"
#include "vcm/hyp/hyp_version.h"
#include "vcm/tracer/tracer_version.h"

#include <gtest/gtest.h>

#include <string>

namespace {

// pkg-config versions may carry a Debian suffix ("2.0.1.post1"); compare the numeric prefix we report.
void expectVersionPrefix(const std::string& reported, const std::string& configured)
{
    ASSERT_FALSE(reported.empty());
    EXPECT_EQ(configured.rfind(reported, 0), 0u) << "runtime " << reported << " vs configured " << configured;
}

TEST(DependencyVersions, UnicornMatchesPkgConfig) { expectVersionPrefix(vcm::hyp::unicornVersion(), VCM_EXPECT_UNICORN); }
TEST(DependencyVersions, LttngUstMatchesPkgConfig) { expectVersionPrefix(vcm::tracer::lttngUstVersion(), VCM_EXPECT_LTTNG_UST); }
TEST(DependencyVersions, BabeltraceMatchesPkgConfig)
{
    expectVersionPrefix(vcm::analyzer::babeltraceVersion(), VCM_EXPECT_BABELTRACE2);
}
TEST(DependencyVersions, SqliteMatchesPkgConfig) { expectVersionPrefix(vcm::db::sqliteVersion(), VCM_EXPECT_SQLITE); }

} // namespace

// vcm check's rules on their own: a rules file with a wrong type is an error naming the file and line, never a
// rule that silently passes (issue 20, defect 9), and a run without its end fails by default like lost data
// (defect 5).
#include "synthetic_trace.h"

#include "vcm/analyzer/check_rules.h"

#include <gmock/gmock.h>

#include <fstream>

#include <unistd.h>

using ::testing::AllOf;
using ::testing::HasSubstr;
using vcm::analyzer::testing::SyntheticTrace;
namespace an = vcm::analyzer;

namespace {

class RulesFile : public ::testing::Test {
protected:
    std::filesystem::path file = std::filesystem::temp_directory_path() /
                                 ("vcm-rules-" + std::to_string(::getpid()) + ".toml");
    void TearDown() override { std::filesystem::remove(file); }
    std::string errorOf(const std::string& text)
    {
        std::ofstream(file) << text;
        try {
            an::loadRules(file);
        } catch (const an::RulesError& e) {
            return e.what();
        }
        return "no error";
    }
};

TEST_F(RulesFile, AQuotedThresholdForAMeasureIsAnError)
{
    EXPECT_THAT(errorOf("[[rule]]\nmeasure = \"stale_reads\"\nmax = \"5\"\n"),
                AllOf(HasSubstr(file.string() + ":3"), HasSubstr("not the string \"5\"")));
    EXPECT_EQ(errorOf("[[rule]]\nmeasure = \"stale_reads\"\nmax = 5\n"), "no error");
    EXPECT_EQ(errorOf("[[assert]]\nname = \"n\"\nsql = \"SELECT 'x'\"\nvalue = \"x\"\n"), "no error")
        << "an SQL assertion may compare text";
}

TEST_F(RulesFile, WrongTypesAndShapesAreErrorsWithTheirLine)
{
    EXPECT_THAT(errorOf("rule = 5\n"), AllOf(HasSubstr(file.string() + ":1"), HasSubstr("[[rule]] tables")));
    EXPECT_THAT(errorOf("assert = \"x\"\n"), HasSubstr("[[assert]] tables"));
    EXPECT_THAT(errorOf("allow_data_loss = \"yes\"\n"),
                AllOf(HasSubstr(file.string() + ":1"), HasSubstr("allow_data_loss must be true or false")));
    EXPECT_THAT(errorOf("allow_incomplete = 1\n"), HasSubstr("allow_incomplete must be true or false"));
    EXPECT_THAT(errorOf("[[rule]]\nmeasure = 5\nmax = 0\n"), HasSubstr("measure must be a string"));
    EXPECT_THAT(errorOf("[[assert]]\nname = \"n\"\nsql = 7\nvalue = 0\n"), HasSubstr("sql must be a string"));
    EXPECT_THAT(errorOf("[[rule]]\nmeasure = \"clobbers\"\nop = 3\nvalue = 0\n"), HasSubstr("op must be a string"));
}

std::vector<an::RuleOutcome> checkSynthetic(bool ended, bool allowIncomplete)
{
    SyntheticTrace t;
    t.standardMachine("xen");
    t.at(0).vcpuRun(0, 0, 0, 0);
    t.at(300).vcpuStop(300, 0, 0, 0, vcm::tracer::VcpuStopReason::SliceEnd, 1000);
    if (ended)
        t.at(900).runEnd(900, 1000);
    t.analyse();
    an::Rules rules;
    rules.allowIncomplete = allowIncomplete;
    return an::evaluateRules(t.db(), rules);
}

TEST(RulesOnARun, ARunWithoutItsEndFailsUnlessAllowed)
{
    const auto cut = checkSynthetic(false, false);
    ASSERT_GE(cut.size(), 2u);
    EXPECT_EQ(cut[1].name, "the run is complete");
    EXPECT_FALSE(cut[1].passed);
    EXPECT_THAT(cut[1].evidence, HasSubstr("no run_end event"));
    const auto whole = checkSynthetic(true, false);
    ASSERT_GE(whole.size(), 2u);
    EXPECT_TRUE(whole[1].passed) << whole[1].actual;
    for (const an::RuleOutcome& o : checkSynthetic(false, true))
        EXPECT_NE(o.name, "the run is complete") << "allow_incomplete = true drops the rule";
}

} // namespace

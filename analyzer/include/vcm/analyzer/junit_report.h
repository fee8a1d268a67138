// JUnit XML for CI systems (Jenkins, GitLab, GitHub annotations): one testsuite named after the database,
// one testcase per rule, a <failure> with the evidence for each rule that failed.
#pragma once

#include "vcm/analyzer/check_rules.h"

#include <string>
#include <vector>

namespace vcm::analyzer {

std::string renderJUnit(const std::string& suiteName, const std::vector<RuleOutcome>& outcomes);

} // namespace vcm::analyzer

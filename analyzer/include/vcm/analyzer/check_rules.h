// vcm check: rules over an ingested run, for CI. A rule is either a threshold on a built-in measure
// (stale_reads, max_unpreempted_flush_ns, ...) or a named SQL assertion (a query returning one value, and
// the comparison it must satisfy). Rules come from a TOML file (docs/rules.md) or the defaults below.
// Lost trace data fails the check unless the rules say allow_data_loss = true.
#pragma once

#include "vcm/db/database.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace vcm::analyzer {

class RulesError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Comparison { Less, LessEqual, Equal, NotEqual, GreaterEqual, Greater };

using RuleValue = std::variant<std::int64_t, double, std::string>;

struct MeasureRule {
    std::string name;      // defaults to "<measure> <op> <value>"
    std::string measure;   // one of measureNames()
    Comparison comparison = Comparison::LessEqual;
    RuleValue value = std::int64_t{0};
};

struct SqlAssertion {
    std::string name;
    std::string sql;       // first column of the first row is the actual value (NULL when no row)
    Comparison comparison = Comparison::Equal;
    RuleValue value = std::int64_t{0};
};

struct Rules {
    std::string source = "defaults"; // the file they came from
    std::vector<MeasureRule> measures;
    std::vector<SqlAssertion> assertions;
    bool allowDataLoss = false;
    bool allowIncomplete = false; // else a rule "the run is complete" comes second, after the data-loss one
};

struct RuleOutcome {
    std::string name;
    bool passed = false;
    std::string actual;    // the value found, as text
    std::string expected;  // e.g. "<= 0"
    std::string evidence;  // what it rests on: a finding's explanation, the rows, the error
};

// The built-in measures and what each one is (for --help, docs and error messages).
struct MeasureInfo {
    const char* name;
    const char* meaning;
};
const std::vector<MeasureInfo>& measureInfos();
// The value of a built-in measure on a database (throws RulesError for an unknown name).
std::int64_t measureValue(db::Database& db, const std::string& measure);

// stale_reads == 0, clobbers == 0, max_unpreempted_flush_ns <= 1000000, stale windows and data loss none.
Rules defaultRules();
// Whether the database's run had no coherence oracle (meta oracle = 'none': a real-KVM trace-cmd file). Its
// stale-data measures are then unknown: a rule on one fails with actual "unknown".
bool traceHasNoOracle(db::Database& db);
// The default rules for this database: without the stale-data measures when it has no oracle.
Rules defaultRulesFor(db::Database& db);
// Throws RulesError naming the file and line of what is wrong.
Rules loadRules(const std::filesystem::path& file);

std::vector<RuleOutcome> evaluateRules(db::Database& db, const Rules& rules);

const char* comparisonText(Comparison comparison);

} // namespace vcm::analyzer

// vcm check run.db|TRACE_DIR|TRACE.dat|LIVE_URL [--rules rules.toml] [-o|--junit out.xml]
// Exit status: 0 every rule passed, 1 a rule failed, 2 the input (or the rules file) is unusable.
#include "analyzer_commands.h"
#include "atomic_output.h"
#include "vcm/tracer/time_units.h"
#include "vcm/analyzer/check_rules.h"
#include "vcm/analyzer/ingest.h"
#include "vcm/analyzer/junit_report.h"
#include "vcm/db/schema.h"

#include "run_input.h"

#include <fmt/core.h>

#include <memory>
#include <optional>

namespace vcm::analyzer::cli {
namespace {

struct CheckOptions {
    std::string input;
    std::string rules;
    std::string junit;
    std::uint64_t longFlushNs = DetectorOptions{}.longFlushSegmentNs;
};

int check(const CheckOptions& o)
{
    std::optional<Rules> loaded; // a rules file is read first, so that a bad one costs no ingest
    if (!o.rules.empty())
        loaded = loadRules(o.rules);
    DetectorOptions detectors;
    detectors.longFlushSegmentNs = o.longFlushNs;
    RunInput input(o.input, detectors);
    db::Database& db = input.database();
    const Rules rules = loaded ? *loaded : defaultRulesFor(db);
    const std::vector<RuleOutcome> outcomes = evaluateRules(db, rules);
    std::size_t failed = 0;
    fmt::print("vcm check {} (rules: {})\n", o.input, rules.source);
    for (const RuleOutcome& outcome : outcomes) {
        fmt::print("  {}  {}: {} (expected {})\n", outcome.passed ? "PASS" : "FAIL", outcome.name, outcome.actual,
                   outcome.expected);
        if (!outcome.passed) {
            ++failed;
            if (!outcome.evidence.empty())
                fmt::print("        evidence: {}\n", outcome.evidence);
        }
    }
    fmt::print("verdict: {} ({} of {} rules failed)\n", failed == 0 ? "PASS" : "FAIL", failed, outcomes.size());
    if (!o.junit.empty()) {
        AtomicOutputFile junit(o.junit);
        junit.stream() << renderJUnit(std::filesystem::path(o.input).filename().string(), outcomes);
        junit.commit();
    }
    return failed == 0 ? 0 : 1;
}

} // namespace

Command addCheckCommand(CLI::App& parent)
{
    auto options = std::make_shared<CheckOptions>();
    CLI::App* app = parent.add_subcommand(
        "check", "Check a run against rules (thresholds and SQL assertions) for CI: exit 0 pass, 1 fail, 2 unusable");
    app->add_option("input", options->input, "Trace database, trace directory or net:// live URL")->required();
    app->add_option("--rules", options->rules, "Rules file (TOML, docs/rules.md); default: the built-in rules")
        ->check(CLI::ExistingFile);
    app->add_option("-o,--output,--junit", options->junit,
                    "Also write the outcome as JUnit XML to FILE (replaced atomically)");
    app->add_option("--long-flush-ns", options->longFlushNs,
                    "When the input is a trace: the detectors' long flush segment threshold (virtual ns, or with a "
                    "unit: 750us, 2ms)")
        ->transform(CLI::AsNumberWithUnit(tracer::nanosecondUnits()));
    return {app, [options] { return check(*options); }};
}

} // namespace vcm::analyzer::cli

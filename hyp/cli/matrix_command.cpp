// vcm matrix [SCENARIO...] [--policies a,b] [--format table|csv|markdown] [--set key=value]...
#include "hyp_commands.h"
#include "scenario_arguments.h"

#include "vcm/hyp/policy/cache_policy.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vcm::hyp::cli {
namespace {

struct MatrixOptions {
    std::vector<std::string> scenarios;
    std::vector<std::string> policies;
    std::string format = "table";
    std::vector<std::string> overrides;
    std::string guestDirectory;
};

int runMatrixCommand(const MatrixOptions& options)
{
    namespace sc = scenario;
    std::vector<std::string> scenarios = options.scenarios;
    if (scenarios.empty()) {
        for (const auto& entry : std::filesystem::directory_iterator(scenario::defaultScenarioDirectory()))
            if (entry.path().extension() == ".toml")
                scenarios.push_back(entry.path().string());
        std::sort(scenarios.begin(), scenarios.end());
    }
    const std::vector<std::string> policies = options.policies.empty() ? hyp::policy::policyNames() : options.policies;
    sc::MatrixFormat format = sc::MatrixFormat::Table;
    if (options.format == "csv")
        format = sc::MatrixFormat::Csv;
    else if (options.format == "markdown")
        format = sc::MatrixFormat::Markdown;
    std::vector<sc::RunReport> reports;
    for (const std::string& file : scenarios) {
        const sc::Scenario asWritten = sc::loadScenario(file, options.overrides);
        std::vector<std::string> withoutKnobs;
        for (const std::string& policy : policies) {
            sc::Scenario scenario = sc::loadScenario(file, withPolicyAndSeed(options.overrides, policy, {}));
            // A scenario's knobs belong to the policy it names (tvm-left-armed: kvm's disarm_tvm); compared under
            // another policy, the scenario runs without them.
            if (policy != asWritten.policy && !scenario.knobs.empty()) {
                withoutKnobs.push_back(policy);
                scenario.knobs.clear();
            }
            reports.push_back(sc::runScenario(scenario, guestDirectory(options.guestDirectory)));
        }
        if (!withoutKnobs.empty()) { // one line per scenario, not one per run
            std::string names;
            for (const auto& [name, value] : asWritten.knobs)
                names += (names.empty() ? "" : ", ") + name;
            std::string under;
            for (const std::string& p : withoutKnobs)
                under += (under.empty() ? "" : ", ") + p;
            fmt::print(stderr, "vcm matrix: {}: its knobs ({}) belong to {}; run without them under {}\n",
                       asWritten.name, names, asWritten.policy, under);
        }
    }
    std::fputs(sc::renderMatrix(reports, format).c_str(), stdout);
    return 0;
}

} // namespace

Command addMatrixCommand(CLI::App& parent)
{
    auto options = std::make_shared<MatrixOptions>();
    MatrixOptions& matrix = *options;
    CLI::App* matrixCommand =
        parent.add_subcommand("matrix", "Run scenarios under several policies and print the comparison");
    matrixCommand->add_option("scenarios", matrix.scenarios, "Scenario files (default: every shipped scenario)")
        ->check(CLI::ExistingFile);
    matrixCommand->add_option("--policies", matrix.policies, "Comma-separated policies (default: all seven)")
        ->delimiter(',');
    matrixCommand->add_option("--format", matrix.format, "table, csv or markdown")
        ->check(CLI::IsMember({"table", "csv", "markdown"}));
    matrixCommand->add_option("--set", matrix.overrides, "Override a key in every scenario: dotted.key=value")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    matrixCommand->add_option("--guest-dir", matrix.guestDirectory, "Where guest programs are (default: the build's)");

    return {matrixCommand, [options] { return runMatrixCommand(*options); }};
}

} // namespace vcm::hyp::cli

// What tracing costs a run, measured in one process: the same scenario runs untraced and traced in alternation
// (ABBA: untraced-traced, then traced-untraced, so neither always goes first) under one LTTng recording session,
// and each pair gives a ratio of traced over untraced time. A shared host drifts by more than the few percent
// measured here between one measurement and the next, and the separate `vcm run` processes of
// run_tracing_benchmark.sh part 2 each meet a different host; the two runs of a pair are a few tens of ms apart
// and meet the same one, so the median of the pairs' ratios is the steadier wall-time figure.
//
// It measures the steady state: one session for all runs, tracepoints warm after the first pair (which is
// dropped). The per-run part a single `vcm run --trace` also pays (cold LTTng code, the session's first pages) is
// what part 2 measures on seed000. Times are RunReport's: host_seconds (wall) and host_cpu_seconds (the run's
// thread), both inside runScenario.
//
// Usage: traced_run_benchmark [--pairs N] [--policy P] SCENARIO.toml   (run_tracing_benchmark.sh runs it)
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/tracer/lttng_event_sink.h"
#include "vcm/tracer/trace_session.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace sc = vcm::hyp::scenario;
namespace tr = vcm::tracer;

struct Times {
    double wall = 0;
    double cpu = 0;
};

Times timesOf(const sc::RunReport& report)
{
    return {report.hostSeconds, report.hostCpuSeconds};
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The value below which a fraction q of the values lie (nearest rank).
double quantile(std::vector<double> values, double q)
{
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[rank];
}

void printRatios(const char* what, const std::vector<Times>& untraced, const std::vector<Times>& traced,
                 double Times::*field)
{
    std::vector<double> ratios;
    std::vector<double> u;
    std::vector<double> t;
    for (std::size_t i = 0; i < untraced.size(); ++i) {
        ratios.push_back(traced[i].*field / untraced[i].*field);
        u.push_back(untraced[i].*field);
        t.push_back(traced[i].*field);
    }
    auto percent = [](double ratio) { return fmt::format("{:+.2f}%", (ratio - 1) * 100); };
    fmt::print("{:<5} | {:>12.3f} | {:>10.3f} | {:>10} | {:>8} to {:>8}      | {:>14}\n", what, median(u) * 1e3,
               median(t) * 1e3, percent(median(ratios)), percent(quantile(ratios, 0.25)),
               percent(quantile(ratios, 0.75)),
               percent(*std::min_element(t.begin(), t.end()) / *std::min_element(u.begin(), u.end())));
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Runs a scenario untraced and traced in alternation in one process; prints traced/untraced."};
    std::string scenarioFile;
    std::string policy;
    int pairs = 40;
    app.add_option("scenario", scenarioFile, "scenario file")->required()->check(CLI::ExistingFile);
    app.add_option("--policy", policy, "policy override");
    app.add_option("--pairs", pairs, "pairs measured after one warm-up pair")->check(CLI::Range(2, 100000));
    CLI11_PARSE(app, argc, argv);

    try {
        std::vector<std::string> overrides;
        if (!policy.empty())
            overrides.push_back("policy.name=\"" + policy + "\"");
        const sc::Scenario scenario = sc::loadScenario(scenarioFile, overrides);
        const std::filesystem::path guests = sc::defaultGuestDirectory();

        char pattern[] = "/tmp/vcm_traced_run_benchmark.XXXXXX";
        if (mkdtemp(pattern) == nullptr)
            throw std::runtime_error("cannot create a temporary directory for the trace");
        const std::filesystem::path output = pattern;
        tr::TraceSessionOptions options;
        options.output = output / "trace";
        tr::TraceSession session(options);
        tr::LttngEventSink lttng;

        std::vector<Times> untraced;
        std::vector<Times> traced;
        for (int pair = 0; pair <= pairs; ++pair) { // pair 0 warms up
            Times u;
            Times t;
            if (pair % 2 == 0) {
                u = timesOf(sc::runScenario(scenario, guests));
                t = timesOf(sc::runScenario(scenario, guests, &lttng));
            } else {
                t = timesOf(sc::runScenario(scenario, guests, &lttng));
                u = timesOf(sc::runScenario(scenario, guests));
            }
            if (pair == 0)
                continue;
            untraced.push_back(u);
            traced.push_back(t);
        }
        const tr::TraceLoss loss = session.stop();
        std::error_code ignored;
        std::filesystem::remove_all(output, ignored);

        fmt::print("{} under {}: {} pairs (ABBA), one session, after one warm-up pair\n", scenario.name,
                   scenario.policy, pairs);
        fmt::print("time  | untraced ms  | traced ms  | median     | middle half of the ratios | fastest/fastest\n");
        fmt::print("------+--------------+------------+------------+---------------------------+----------------\n");
        printRatios("wall", untraced, traced, &Times::wall);
        printRatios("cpu", untraced, traced, &Times::cpu);
        fmt::print("ms: medians of host_seconds / host_cpu_seconds; median and middle half: of each pair's traced over "
                   "untraced ratio, minus 1.\n");
        fmt::print("Discarded events: {} (lost packets {}){}\n", loss.discardedEvents, loss.lostPackets,
                   loss.discardedEvents + loss.lostPackets == 0 ? "" : ": the traced runs lost events, cheaper "
                                                                       "than recording them; figures are too low");
        return loss.discardedEvents + loss.lostPackets == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "traced_run_benchmark: {}\n", e.what());
        return 1;
    }
}

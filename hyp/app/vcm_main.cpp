// vcm: the command-line front end. Thin by design: each subcommand parses its options and calls a
// component library.
#include "vcm/hyp/bare_metal_runner.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/hyp_version.h"
#include "vcm/analyzer/analyzer_version.h"
#include "vcm/db/db_version.h"
#include "vcm/tracer/tracer_version.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <string>

namespace {

int bootGuest(const std::string& imagePath, std::uint64_t budget)
{
    const vcm::hyp::GuestImage image = vcm::hyp::GuestImage::load(imagePath);
    vcm::hyp::BareMetalRunOptions options;
    options.instructionBudget = budget;
    const vcm::hyp::BareMetalRunResult result = vcm::hyp::runBareMetal(image, options);
    std::fputs(result.console.c_str(), stdout);
    if (result.stop == vcm::hyp::GuestStop::Exited) {
        fmt::print("vcm: guest {} exited with code {}\n", imagePath, result.exitCode);
        return result.exitCode == 0 ? 0 : 1;
    }
    fmt::print(stderr, "vcm: guest {} stopped ({}): {}\n", imagePath, vcm::hyp::toString(result.stop),
               result.faultDescription);
    return 2;
}

void printVersions()
{
    fmt::print("vcm 0.1.0\n  unicorn {}\n  lttng-ust {}\n  babeltrace2 {}\n  sqlite {}\n", vcm::hyp::unicornVersion(),
               vcm::tracer::lttngUstVersion(), vcm::analyzer::babeltraceVersion(), vcm::db::sqliteVersion());
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"vcm: a laboratory for virtualized cache maintenance on Arm"};
    app.require_subcommand(1);
    CLI::App* version = app.add_subcommand("version", "Print the versions of vcm and the libraries it runs on");

    std::string imagePath;
    std::uint64_t budget = vcm::hyp::BareMetalRunOptions{}.instructionBudget;
    CLI::App* boot = app.add_subcommand("boot", "Run one bare-metal guest image and print its console");
    boot->add_option("image", imagePath, "Raw AArch64 guest image (.bin)")->required();
    boot->add_option("--budget", budget, "Stop the guest after this many instructions");

    CLI11_PARSE(app, argc, argv);
    try {
        if (boot->parsed())
            return bootGuest(imagePath, budget);
        if (version->parsed())
            printVersions();
    } catch (const std::exception& e) {
        fmt::print(stderr, "vcm: {}\n", e.what());
        return 2;
    }
    return 0;
}

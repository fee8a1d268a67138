// vcm compare-reference REAL.dat GUEST --policy kvm-6.1 --cpu cortex-a57 [--set knob=value] [--guest-dir DIR]
// Exit status: 0 the step sequences are equal, 1 they differ (the first difference is shown with both contexts),
// 2 the trace, the guest or the options cannot be used.
#include "compare_reference_command.h"

#include "vcm/hyp/scenario/scenario_run.h"
#include "vcm/replay/reference_comparison.h"

#include <fmt/core.h>

#include <memory>

namespace vcm::replay::cli {

ReplayCommand addCompareReferenceCommand(CLI::App& parent)
{
    auto o = std::make_shared<ReferenceOptions>();
    auto guestDirectory = std::make_shared<std::string>();
    CLI::App* app = parent.add_subcommand(
        "compare-reference",
        "Run a guest under vcm and line its traps, exits, flushes and cache switches up against real KVM's "
        "trace-cmd file of the same image: exit 0 equal, 1 different, 2 unusable");
    app->add_option("real", o->realTrace, "trace-cmd file recorded by tests/reference/kvm/record.sh")
        ->required()
        ->check(CLI::ExistingFile);
    app->add_option("guest", o->guest, "The guest program the trace is of (e.g. bootloader-setway)")->required();
    app->add_option("--policy", o->policy, "vcm's policy to hold to it (kvm, kvm-6.1, kvm-fwb)")->required();
    app->add_option("--cpu", o->cpu, "QEMU's -cpu of the recording, for its cache geometry (cortex-a57, "
                                     "neoverse-n1, max)")
        ->required();
    app->add_option("--set", o->knobs, "A policy knob, NAME=VALUE (repeatable)");
    app->add_option("--guest-dir", *guestDirectory, "Where guest programs are (default: the build's)");
    return {app, [o, guestDirectory] {
                o->guestDirectory = guestDirectory->empty() ? hyp::scenario::defaultGuestDirectory()
                                                            : std::filesystem::path(*guestDirectory);
                const ReferenceComparison comparison = compareWithReference(*o);
                fmt::print("vcm compare-reference {} {} --policy {} --cpu {}\n", o->realTrace.string(), o->guest,
                           o->policy, o->cpu);
                fmt::print("{}", renderComparison(comparison));
                return comparison.firstDifference ? 1 : 0;
            }};
}

} // namespace vcm::replay::cli

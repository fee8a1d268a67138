// `vcm compare-reference`: a guest under vcm against real KVM's trace of the same image
// (replay/cli/compare_reference_command.cpp, docs/kvm-reference.md).
#pragma once

#include "replay_command.h"

namespace vcm::replay::cli {

ReplayCommand addCompareReferenceCommand(CLI::App& parent);

} // namespace vcm::replay::cli

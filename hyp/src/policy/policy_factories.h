// Constructors of the individual policies, for the registry in cache_policy.cpp. Each reads its own knobs.
#pragma once

#include "vcm/hyp/policy/cache_policy.h"

namespace vcm::hyp::policy {

std::unique_ptr<CachePolicy> createNativePolicy(Machine& machine, KnobReader& knobs, FlushCosts costs);
std::unique_ptr<CachePolicy> createXenRfcPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs);
std::unique_ptr<CachePolicy> createXenPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs);
std::unique_ptr<CachePolicy> createKvmPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs);
std::unique_ptr<CachePolicy> createKvm61Policy(Machine& machine, KnobReader& knobs, FlushCosts costs);
std::unique_ptr<CachePolicy> createKvmFwbPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs);
std::unique_ptr<CachePolicy> createDcBitPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs);
std::unique_ptr<CachePolicy> createFaultFlushPolicy(Machine& machine, KnobReader& knobs, FlushCosts costs);

} // namespace vcm::hyp::policy

#include "vcm/hunt/hunt_scenario.h"

#include "vcm/hunt/hunt_error.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/scenario/scenario_run.h"

#include <fmt/core.h>
#include <nettle/sha2.h>

#include <array>

namespace vcm::hunt {
namespace {

std::string sha256Hex(const std::string& bytes)
{
    sha256_ctx context;
    sha256_init(&context);
    sha256_update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
    std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
    sha256_digest(&context, digest.size(), digest.data());
    std::string hex = "sha256:";
    for (const std::uint8_t byte : digest)
        hex += fmt::format("{:02x}", byte);
    return hex;
}

const char* replacementLevel(const hyp::memory::MachineTopology& t)
{
    if (t.l1.replacement == hyp::memory::ReplacementKind::Random)
        return "machine.l1";
    if (t.l2.replacement == hyp::memory::ReplacementKind::Random)
        return "machine.l2";
    if (t.hasSystemCache() && t.systemCache.replacement == hyp::memory::ReplacementKind::Random)
        return "machine.system_cache";
    return nullptr;
}

// What the model draws from the seed (MachineConfig::seed and MachineTopology::seed): forced migrations,
// speculative fills through the hypervisor's map and the toolstack's foreign map, and random replacement.
std::vector<std::string> seedVariation(const hyp::scenario::Scenario& s)
{
    std::vector<std::string> varies;
    if (s.machine.forcedMigrationPercent != 0)
        varies.push_back(fmt::format("scheduler.forced_migration_percent = {}: which slice ends move a vCPU to "
                                     "another core",
                                     s.machine.forcedMigrationPercent));
    if (s.machine.speculationFillsPerMillionCycles != 0)
        varies.push_back(fmt::format("machine.speculation_rate = {}: when and which lines the hypervisor's map of "
                                     "all RAM pulls in speculatively",
                                     s.machine.speculationFillsPerMillionCycles));
    for (const hyp::scenario::VmPlan& vm : s.vms)
        if (vm.payload && vm.payload->raceSpeculationRate != 0)
            varies.push_back(fmt::format("vm {} payload.race_speculation_rate = {}: which lines the toolstack's "
                                         "foreign map pulls in while it writes",
                                         vm.spec.name, vm.payload->raceSpeculationRate));
    if (const char* level = replacementLevel(s.machine.topology))
        varies.push_back(fmt::format("{}.replacement = \"random\": which way each fill evicts", level));
    return varies;
}

} // namespace

HuntScenario describeHuntScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                  const std::filesystem::path& guestDirectory)
{
    const hyp::scenario::Scenario s = hyp::scenario::loadScenario(file, overrides);
    HuntScenario h;
    h.file = file;
    h.overrides = overrides;
    h.name = s.name;
    h.policy = s.policy;
    h.seedVaries = seedVariation(s);
    for (const auto& [name, value] : s.knobs)
        h.knobs.push_back(name);
    std::string identity = s.text;
    for (const std::string& o : overrides)
        identity += "\n--set " + o;
    // The guest programs are part of what runs: a rebuilt guest is another experiment.
    for (const hyp::scenario::VmPlan& vm : s.vms)
        if (!vm.guest.empty())
            identity += "\n" + vm.guest + " " +
                        hyp::GuestImage::load(hyp::scenario::guestImagePath(vm.guest, guestDirectory)).contentHash();
    h.hash = sha256Hex(identity);
    return h;
}

void checkPolicy(const HuntScenario& scenario, const std::string& policy)
{
    if (policy == scenario.policy || scenario.knobs.empty())
        return;
    std::string names;
    for (const std::string& k : scenario.knobs)
        names += (names.empty() ? "" : ", ") + k;
    throw HuntError(fmt::format("{}: the scenario sets knobs of {} ({}), which {} does not have; a hunt under {} "
                                "would run something else than its recordings replay. Hunt it under {}, or give "
                                "{} a scenario of its own",
                                scenario.file.string(), scenario.policy, names, policy, policy, scenario.policy,
                                policy));
}

std::vector<std::string> runOverrides(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed)
{
    std::vector<std::string> overrides = scenario.overrides;
    overrides.push_back("policy.name=\"" + policy + "\"");
    overrides.push_back(fmt::format("seed={}", seed));
    return overrides;
}

hyp::scenario::Scenario scenarioForRun(const HuntScenario& scenario, const std::string& policy, std::uint64_t seed)
{
    return hyp::scenario::loadScenario(scenario.file, runOverrides(scenario, policy, seed));
}

} // namespace vcm::hunt

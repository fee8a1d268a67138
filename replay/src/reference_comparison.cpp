// vcm compare-reference (reference_comparison.h).
#include "vcm/replay/reference_comparison.h"

#include "vcm/analyzer/kvm_trace_reader.h"
#include "vcm/analyzer/trace_database_builder.h"
#include "vcm/db/schema.h"
#include "vcm/tracer/event_sink.h"
#include "vcm/hyp/policy/cache_policy.h"
#include "vcm/hyp/scenario/scenario.h"
#include "vcm/hyp/scenario/scenario_run.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <tuple>

namespace vcm::replay {
namespace {

namespace fs = std::filesystem;

// The rig's VMM gives every guest this much RAM (tests/reference/kvm/vmm/vmm.c, --ram-mib).
constexpr std::uint64_t kReferenceRamMib = 64;

// A file in the temporary directory that is removed with this object.
class ScratchFile {
public:
    explicit ScratchFile(const std::string& name)
        : m_path(fs::temp_directory_path() / fmt::format("vcm-reference-{}-{}", ::getpid(), name))
    {
    }
    ~ScratchFile()
    {
        std::error_code ignored;
        fs::remove(m_path, ignored);
    }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

// The scenario of a reference run: one core with the CPU's caches (no system cache: QEMU's virt board has none
// either), one VM of one vCPU with the rig's RAM, the guest, the policy and its knobs.
hyp::policy::PolicyKnobs knobsOf(const ReferenceOptions& o)
{
    hyp::policy::PolicyKnobs knobs;
    for (const std::string& k : o.knobs) {
        const auto equals = k.find('=');
        if (equals == std::string::npos || equals == 0)
            throw ReferenceError(fmt::format("knob '{}': expected NAME=VALUE", k));
        knobs[k.substr(0, equals)] = k.substr(equals + 1);
    }
    return knobs;
}

std::string referenceScenario(const ReferenceOptions& o, const ReferenceCpu& cpu)
{
    std::string knobs;
    for (const auto& [name, value] : knobsOf(o))
        knobs += fmt::format("{} = \"{}\"\n", name, value);
    return fmt::format(R"(name = "reference-{guest}-{cpu}"
description = "{guest} as the real-KVM reference rig runs it, on {cpu}'s caches"
seed = 1

[machine]
clusters = 1
cores_per_cluster = 1
line_bytes = 64

[machine.l1]
size_kib = {l1}
ways = {l1ways}

[machine.l2]
size_kib = {l2}
ways = {l2ways}

[policy]
name = "{policy}"

[policy.knobs]
{knobs}
[[vm]]
name = "d1"
guest = "{guest}"
vcpus = [0]
ram_mib = {ram}
)",
                       fmt::arg("guest", o.guest), fmt::arg("cpu", cpu.name), fmt::arg("l1", cpu.l1Kib),
                       fmt::arg("l1ways", cpu.l1Ways), fmt::arg("l2", cpu.l2Kib), fmt::arg("l2ways", cpu.l2Ways),
                       fmt::arg("policy", o.policy), fmt::arg("knobs", knobs), fmt::arg("ram", kReferenceRamMib));
}

// An in-memory database of what `fill` gives a builder: only rows, no detectors (the steps need no findings).
db::Database stepsDatabase(const std::function<void(analyzer::TraceDatabaseBuilder&)>& fill)
{
    db::Database database(":memory:", db::Database::Mode::Create);
    db::createSchema(database);
    {
        db::Transaction transaction(database);
        analyzer::TraceDatabaseBuilder builder(database);
        fill(builder);
        builder.finish();
        transaction.commit();
    }
    return database;
}

std::string hex(std::int64_t value)
{
    return fmt::format("{:#x}", static_cast<std::uint64_t>(value));
}

} // namespace

const std::vector<ReferenceCpu>& referenceCpus()
{
    // QEMU 7.2's target/arm/cpu64.c: cortex-a57 ccsidr[0] 0x701fe00a (32 KiB, 2-way), ccsidr[2] 0x70ffe07a
    // (2 MiB, 16-way); neoverse-n1 64 KiB 4-way and 1 MiB 8-way. -cpu max starts from the A57's. 6.1's set/way
    // loops confirm them: 512 + 32768 DC CISW per loop on cortex-a57, 1024 + 16384 on neoverse-n1.
    static const std::vector<ReferenceCpu> cpus = {
        {"cortex-a57", 32, 2, 2048, 16},
        {"neoverse-n1", 64, 4, 1024, 8},
        {"max", 32, 2, 2048, 16},
    };
    return cpus;
}

const ReferenceCpu& referenceCpu(const std::string& name)
{
    std::string known;
    for (const ReferenceCpu& c : referenceCpus()) {
        if (c.name == name)
            return c;
        known += (known.empty() ? "" : ", ") + c.name;
    }
    throw ReferenceError(fmt::format("CPU '{}': the reference CPUs are {}", name, known));
}

std::vector<ReferenceStep> referenceSteps(db::Database& database)
{
    // The caches turning on and off are not steps of their own: a hypervisor sees them only through the SCTLR_EL1
    // writes it traps (steps) and shows what it did about them by its flushes (steps); under FWB it sees neither,
    // while vcm always knows the guest's SCTLR_EL1. Ties in time are ordered trap before flush, the order KVM's
    // handler reports them in (kvm_sys_access, then kvm_toggle_cache's flush).
    db::Statement q = database.prepare(R"(
        WITH first_vcpu AS (SELECT min(id) AS id FROM vcpu)
        SELECT ts, 0 AS rank, id, kind, what, detail, operand, new_value FROM trap
            WHERE vcpu_id = (SELECT id FROM first_vcpu)
                AND kind IN ('setway', 'vm_register', 'system_register', 'mmio', 'stage2_fault')
        UNION ALL
        SELECT ts, 1, id, 'flush', reason, 0, 0, 0 FROM flush WHERE vcpu_id = (SELECT id FROM first_vcpu)
        ORDER BY 1, 2, 3)");
    std::vector<ReferenceStep> steps;
    while (q.step()) {
        const std::string kind = q.columnText(3);
        const std::string what = q.columnText(4);
        ReferenceStep step{static_cast<std::uint64_t>(q.columnInt(0)), {}, std::nullopt, false};
        if (kind == "setway") {
            step.text = "trap " + what;
        } else if (kind == "vm_register") {
            step.text = "trap " + what + " write";
        } else if (kind == "system_register") {
            step.text = "trap " + what;
        } else if (kind == "mmio") {
            step.text = fmt::format("exit to the VMM: {} {} at {}", (q.columnInt(5) & 0x80) != 0 ? "store" : "load",
                                    hex(q.columnInt(7)), hex(q.columnInt(6)));
        } else if (kind == "stage2_fault") {
            // By page: a hardware trace's IPA of a stage-1 walk's fault is the table's page (HPFAR_EL2) with the
            // offset of the VA being translated (FAR_EL2), vcm's the descriptor's own address.
            step.faultIpa = static_cast<std::uint64_t>(q.columnInt(6));
            step.instructionFetch = q.columnInt(5) == tracer::kStage2FaultInstructionFetch;
            step.text = fmt::format("stage-2 fault{} on IPA page {:#x}", step.instructionFetch ? " (instruction fetch)" : "",
                                    *step.faultIpa & ~std::uint64_t{0xfff});
        } else {
            step.text = "flush (" + what + ")";
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

namespace {

// Sets aside the real trace's instruction-fetch faults and vcm's faults on the blocks they mapped (see the header).
void setAsideInstructionFaults(ReferenceComparison& c)
{
    const std::uint64_t blockMask = ~(c.blockBytes - 1);
    std::vector<std::uint64_t> fetchedBlocks;
    std::erase_if(c.real, [&](const ReferenceStep& step) {
        if (!step.faultIpa)
            return false;
        ++c.realFaults;
        if (!step.instructionFetch)
            return false;
        ++c.realInstructionFaults;
        fetchedBlocks.push_back(*step.faultIpa & blockMask);
        return true;
    });
    std::erase_if(c.model, [&](const ReferenceStep& step) {
        if (!step.faultIpa)
            return false;
        ++c.modelFaults;
        if (std::find(fetchedBlocks.begin(), fetchedBlocks.end(), *step.faultIpa & blockMask) == fetchedBlocks.end())
            return false;
        ++c.modelFaultsInFetchedBlocks;
        return true;
    });
}

} // namespace

ReferenceComparison compareWithReference(const ReferenceOptions& o)
{
    const ReferenceCpu& cpu = referenceCpu(o.cpu);
    ReferenceComparison result;

    db::Database real = stepsDatabase([&](analyzer::TraceDatabaseBuilder& builder) {
        analyzer::readKvmTrace(o.realTrace, builder);
    });
    result.real = referenceSteps(real);
    try {
        result.blockBytes = hyp::policy::onDemandStage2BlockBytes(o.policy, knobsOf(o)).value_or(4096);
    } catch (const std::exception& e) {
        throw ReferenceError(e.what());
    }

    ScratchFile scenarioFile(o.guest + ".toml");
    std::ofstream(scenarioFile.path()) << referenceScenario(o, cpu);
    hyp::scenario::Scenario scenario;
    try {
        scenario = hyp::scenario::loadScenario(scenarioFile.path());
    } catch (const std::exception& e) {
        throw ReferenceError(fmt::format("the reference run of {} under {}: {}", o.guest, o.policy, e.what()));
    }
    db::Database model = stepsDatabase([&](analyzer::TraceDatabaseBuilder& builder) {
        const hyp::scenario::RunReport report = hyp::scenario::runScenario(scenario, o.guestDirectory, &builder);
        if (!report.guests.empty())
            result.modelConsole = report.guests.front().console;
    });
    result.model = referenceSteps(model);
    setAsideInstructionFaults(result);

    const std::size_t common = std::min(result.real.size(), result.model.size());
    for (std::size_t i = 0; i < common && !result.firstDifference; ++i)
        if (result.real[i].text != result.model[i].text)
            result.firstDifference = i;
    if (!result.firstDifference && result.real.size() != result.model.size())
        result.firstDifference = common;
    return result;
}

std::string renderComparison(const ReferenceComparison& c, std::size_t context)
{
    std::string out;
    if (!c.firstDifference) {
        out += fmt::format("equal: {} steps (trapped registers and set/way operations, exits to the VMM, stage-2 "
                           "faults, flushes)\n",
                           c.real.size());
    } else {
        const std::size_t at = *c.firstDifference;
        out += fmt::format("DIFFERENT at step #{} (of {} real, {} under vcm)\n", at, c.real.size(), c.model.size());
        const std::size_t from = at > context ? at - context : 0;
        auto side = [&](const char* title, const std::vector<ReferenceStep>& steps) {
            out += fmt::format("  {}:\n", title);
            for (std::size_t i = from; i < std::min(steps.size(), at + context + 1); ++i)
                out += fmt::format("  {} #{:<6} {:>12} ns  {}\n", i == at ? ">" : " ", i, steps[i].ts, steps[i].text);
            if (at >= steps.size())
                out += fmt::format("  > #{:<6} (no more steps)\n", at);
        };
        side("real KVM", c.real);
        side("vcm", c.model);
    }
    out += fmt::format("stage-2 faults: real {} ({} on instruction fetches, set aside), vcm {} ({} in the {} KiB "
                       "blocks those mapped, set aside)\n",
                       c.realFaults, c.realInstructionFaults, c.modelFaults, c.modelFaultsInFetchedBlocks,
                       c.blockBytes >> 10);
    return out;
}

} // namespace vcm::replay

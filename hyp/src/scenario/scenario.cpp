// Scenario files: TOML read with toml++, every key checked, every error naming the file and the line.
#include "vcm/hyp/scenario/scenario.h"

#include "scenario_table.h"
#include "vcm/hyp/vm/stage2_table.h"
#include "vcm/tracer/machine_limits.h"

#include <fmt/core.h>
#include <fmt/std.h>
#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace vcm::hyp::scenario {
namespace {

// The ranges of the numeric keys (docs/scenarios.md): beyond them no machine is meant, and values far outside hung
// runs, exhausted memory or wrapped when narrowed (issue 20, defect 8).
constexpr std::uint64_t kMaxCacheKib = tracer::MachineLimits::kMaxCacheKib; // 1 GiB per cache
constexpr std::uint64_t kMaxPerMillion = 1'000'000;    // a rate per million cycles
constexpr std::uint64_t kMaxCost = 1'000'000;          // cycles for one access or operation
constexpr std::uint64_t kMaxCycles = std::uint64_t{1} << 40;
constexpr std::uint64_t kMaxCore = 4095;
// A VM's RAM starts at IPA 0x4000_0000 and must end inside the stage-2 table's 39-bit IPA space: 523,264 MiB.
constexpr std::uint64_t kMaxRamMib = ((std::uint64_t{1} << vm::Stage2Table::kIpaBits) - 0x4000'0000) >> 20;

memory::ReplacementKind replacement(Table& t)
{
    const std::string name = t.string("replacement", "lru");
    if (name == "lru")
        return memory::ReplacementKind::Lru;
    if (name == "random")
        return memory::ReplacementKind::Random;
    throw ScenarioError(fmt::format("{}: {} must be \"lru\" or \"random\"", where(t.file(), *t.raw().get("replacement")),
                                    t.key("replacement")));
}

void readCache(Table& parent, const std::string& name, memory::CacheGeometry& geometry)
{
    auto t = parent.table(name);
    if (!t)
        return;
    geometry.sizeBytes = t->unsignedInteger("size_kib", geometry.sizeBytes >> 10, 0, kMaxCacheKib) << 10;
    geometry.ways = static_cast<std::uint32_t>(t->unsignedInteger("ways", geometry.ways, 1, tracer::MachineLimits::kMaxWays));
    geometry.replacement = replacement(*t);
    t->rejectUnknown();
}

void readMachine(Table& root, Scenario& s)
{
    auto t = root.table("machine");
    if (!t)
        return;
    auto& topology = s.machine.topology;
    topology.clusters = static_cast<std::uint32_t>(t->unsignedInteger("clusters", topology.clusters, 1, tracer::MachineLimits::kMaxClusters));
    topology.coresPerCluster = static_cast<std::uint32_t>(t->unsignedInteger("cores_per_cluster", topology.coresPerCluster, 1, tracer::MachineLimits::kMaxCoresPerCluster));
    topology.lineBytes = static_cast<std::uint32_t>(t->unsignedInteger("line_bytes", topology.lineBytes, tracer::MachineLimits::kMinLineBytes, tracer::MachineLimits::kMaxLineBytes));
    readCache(*t, "l1", topology.l1);
    readCache(*t, "l2", topology.l2);
    readCache(*t, "system_cache", topology.systemCache);
    s.machine.speculationFillsPerMillionCycles =
        t->unsignedInteger("speculation_rate", s.machine.speculationFillsPerMillionCycles, 0, kMaxPerMillion);
    s.machine.tickCycles = t->unsignedInteger("tick_cycles", s.machine.tickCycles, 1, kMaxCycles);
    s.machine.coreMHz = t->unsignedInteger("core_mhz", s.machine.coreMHz, 1, tracer::MachineLimits::kMaxCoreMHz);
    s.machine.counterReadCycles = t->unsignedInteger("counter_read_cycles", s.machine.counterReadCycles, 1, kMaxCost);
    if (auto costs = t->table("costs")) {
        auto& c = s.machine.costs;
        c.l1Hit = costs->unsignedInteger("l1_hit", c.l1Hit, 0, kMaxCost);
        c.l2Hit = costs->unsignedInteger("l2_hit", c.l2Hit, 0, kMaxCost);
        c.systemCacheHit = costs->unsignedInteger("system_cache_hit", c.systemCacheHit, 0, kMaxCost);
        c.remoteCacheHit = costs->unsignedInteger("remote_cache_hit", c.remoteCacheHit, 0, kMaxCost);
        c.ram = costs->unsignedInteger("ram", c.ram, 0, kMaxCost);
        c.maintenancePerLine = costs->unsignedInteger("maintenance_per_line", c.maintenancePerLine, 0, kMaxCost);
        c.dirtyWriteBack = costs->unsignedInteger("dirty_write_back", c.dirtyWriteBack, 0, kMaxCost);
        costs->rejectUnknown();
    }
    t->rejectUnknown();
    try {
        topology.validate();
    } catch (const memory::GeometryError& e) {
        throw ScenarioError(fmt::format("{}: [machine] {}", where(s.file, *root.raw().get("machine")), e.what()));
    }
    if (s.machine.tickCycles == 0)
        throw ScenarioError(fmt::format("{}: machine.tick_cycles must be at least 1", s.file.string()));
    if (s.machine.counterReadCycles == 0)
        throw ScenarioError(fmt::format("{}: machine.counter_read_cycles must be at least 1 (the read instruction)",
                                        s.file.string()));
    if (s.machine.coreMHz == 0)
        throw ScenarioError(fmt::format("{}: machine.core_mhz must be at least 1", s.file.string()));
}

void readScheduler(Table& root, Scenario& s)
{
    auto t = root.table("scheduler");
    if (!t)
        return;
    s.machine.sliceInstructions = t->unsignedInteger("slice_instructions", s.machine.sliceInstructions, 1, kMaxCycles);
    s.machine.forcedMigrationPercent =
        static_cast<std::uint32_t>(t->unsignedInteger("forced_migration_percent", s.machine.forcedMigrationPercent, 0, 100));
    if (s.machine.forcedMigrationPercent > 100)
        throw ScenarioError(fmt::format("{}: scheduler.forced_migration_percent must be 0..100", s.file.string()));
    if (s.machine.sliceInstructions == 0)
        throw ScenarioError(fmt::format("{}: scheduler.slice_instructions must be at least 1", s.file.string()));
    if (const toml::array* migrations = t->array("migrations")) {
        for (const toml::node& item : *migrations) {
            if (!item.is_table())
                throw ScenarioError(fmt::format("{}: scheduler.migrations entries must be tables "
                                                "{{ vcpu = \"d1v0\", marker = \"...\", to_core = N }}",
                                                where(s.file, item)));
            Table m(s.file, *item.as_table(), "scheduler.migrations[]");
            ScriptedMigration migration;
            migration.vcpu = m.string("vcpu", "");
            migration.marker = m.string("marker", "");
            migration.toCore = static_cast<memory::CoreId>(m.unsignedInteger("to_core", 0, 0, kMaxCore));
            m.rejectUnknown();
            if (migration.vcpu.empty() || migration.marker.empty())
                throw ScenarioError(fmt::format("{}: a scripted migration needs vcpu and marker", where(s.file, item)));
            s.machine.migrations.push_back(migration);
        }
    }
    t->rejectUnknown();
}

void readPolicy(Table& root, Scenario& s)
{
    auto t = root.table("policy");
    if (!t)
        return;
    s.policy = t->string("name", s.policy);
    if (auto knobs = t->table("knobs")) {
        for (const auto& [k, v] : knobs->raw()) {
            knobs->node(std::string(k.str()));
            std::string text;
            if (v.is_string())
                text = *v.value<std::string>();
            else if (v.is_integer())
                text = std::to_string(*v.value<std::int64_t>());
            else if (v.is_boolean())
                text = *v.value<bool>() ? "true" : "false";
            else
                throw ScenarioError(fmt::format("{}: policy.knobs.{} must be a string, an integer or a boolean",
                                                where(s.file, v), k.str()));
            s.knobs[std::string(k.str())] = text;
        }
    }
    t->rejectUnknown();
}

void readVms(Table& root, Scenario& s)
{
    const toml::array* vms = root.array("vm");
    if (vms == nullptr || vms->empty())
        throw ScenarioError(fmt::format("{}: at least one [[vm]] is required", s.file.string()));
    memory::PhysAddr nextBase = 0x8000'0000;
    for (const toml::node& item : *vms) {
        if (!item.is_table())
            throw ScenarioError(fmt::format("{}: vm entries must be tables ([[vm]])", where(s.file, item)));
        Table t(s.file, *item.as_table(), "vm");
        VmPlan plan;
        plan.spec.name = t.string("name", fmt::format("d{}", s.vms.size() + 1));
        plan.guest = t.string("guest", "");
        readBoard(t, plan);
        if (plan.guest.empty() == !plan.board)
            throw ScenarioError(fmt::format("{}: vm {} needs either guest = \"<program>\" or a [vm.board] with its "
                                            "firmware",
                                            where(s.file, item), plan.spec.name));
        plan.spec.ramBytes = t.unsignedInteger("ram_mib", plan.spec.ramBytes >> 20, 0, kMaxRamMib) << 20;
        if (plan.spec.ramBytes < (16u << 20))
            throw ScenarioError(fmt::format("{}: vm {}: ram_mib must be at least 16 (the guest image and its "
                                            "payload live in the first 16 MiB)",
                                            where(s.file, item), plan.spec.name));
        plan.spec.pinned = t.boolean("pinned", false);
        plan.spec.secondariesStartOff = t.boolean("secondaries_start_off", false);
        plan.spec.ramInUse = t.boolean("ram_in_use", false);
        plan.spec.vcpuCores.clear();
        if (const toml::array* cores = t.array("vcpus")) {
            for (const toml::node& c : *cores) {
                // The type first: value<int64_t>() of a float out of range is undefined behaviour.
                const auto core = c.is_integer() ? c.value<std::int64_t>() : std::nullopt;
                if (!core || *core < 0 || *core >= static_cast<std::int64_t>(s.machine.topology.cores()))
                    throw ScenarioError(fmt::format("{}: vm {}: vcpus lists physical cores 0..{}", where(s.file, c),
                                                    plan.spec.name, s.machine.topology.cores() - 1));
                plan.spec.vcpuCores.push_back(static_cast<memory::CoreId>(*core));
            }
        } else {
            plan.spec.vcpuCores = {static_cast<memory::CoreId>(s.vms.size() % s.machine.topology.cores())};
        }
        // VMs are laid out one after the other in machine RAM, each 1 GiB aligned.
        plan.spec.machineBase = nextBase;
        nextBase += (plan.spec.ramBytes + (1ull << 30) - 1) & ~((1ull << 30) - 1);
        if (auto payload = t.table("payload")) {
            PayloadLoad load;
            const std::string mode = payload->string("mode", toString(load.mode));
            try {
                load.mode = parseToolstackMode(mode);
            } catch (const std::invalid_argument& e) {
                throw ScenarioError(fmt::format("{}: vm.payload.mode: {}", where(s.file, *payload->raw().get("mode")),
                                                e.what()));
            }
            load.core = static_cast<memory::CoreId>(payload->unsignedInteger("core", load.core, 0, kMaxCore));
            load.dataBytes = payload->unsignedInteger("data_bytes", load.dataBytes);
            load.raceSpeculationRate = payload->unsignedInteger("race_speculation_rate", load.raceSpeculationRate, 0, kMaxPerMillion);
            payload->rejectUnknown();
            plan.payload = load;
        }
        if (auto pre = t.table("precache")) {
            plan.precache = Precache{pre->unsignedInteger("ipa", 0), pre->unsignedInteger("bytes", 0),
                                     static_cast<memory::CoreId>(pre->unsignedInteger("core", 0, 0, kMaxCore))};
            pre->rejectUnknown();
        }
        if (auto check = t.table("host_check")) {
            plan.hostCheck = HostCheck{check->unsignedInteger("ipa", 0), check->unsignedInteger("bytes", 0),
                                       static_cast<memory::CoreId>(check->unsignedInteger("core", 0, 0, kMaxCore))};
            check->rejectUnknown();
        }
        t.rejectUnknown();
        s.vms.push_back(plan);
    }
}

// Applies "a.b.c=value" on top of the parsed document.
void applyOverride(toml::table& document, const std::string& assignment)
{
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ScenarioError(fmt::format("--set {}: expected key=value", assignment));
    const std::string key = assignment.substr(0, eq);
    const std::string value = assignment.substr(eq + 1);
    toml::table parsed;
    try {
        parsed = toml::parse(key + " = " + value);
    } catch (const toml::parse_error&) {
        try {
            parsed = toml::parse(key + " = \"" + value + "\"");
        } catch (const toml::parse_error& e) {
            throw ScenarioError(fmt::format("--set {}: {}", assignment, e.description()));
        }
    }
    // A key TOML reads as a comment ("#x=1") parses to an empty document, a newline in the assignment to several
    // keys: neither has the single path merged below (fuzz_scenario: the empty one was read past its end).
    if (parsed.size() != 1)
        throw ScenarioError(fmt::format("--set {}: expected key=value with one TOML key", assignment));
    // Merge the single path of `parsed` into `document`.
    toml::table* target = &document;
    const toml::table* source = &parsed;
    for (;;) {
        // An inline table of several keys merged into an existing table: only its first key was merged, the
        // others dropped without a word.
        if (source->size() != 1)
            throw ScenarioError(fmt::format("--set {}: an inline table of several keys cannot be merged into the "
                                            "table there; give one --set per key",
                                            assignment));
        const auto first = source->begin();
        const std::string k(first->first.str());
        const toml::node& v = first->second;
        toml::node* existing = target->get(k);
        // An empty inline table (key={}) replaces the table: there is no key inside it to descend to.
        if (v.is_table() && !v.as_table()->empty() && existing != nullptr && existing->is_table()) {
            target = existing->as_table();
            source = v.as_table();
            continue;
        }
        // An array of tables ([[vm]]) is entered by an entry's name or its index: vm.d1.board.flash1=...
        if (v.is_table() && existing != nullptr && existing->is_array_of_tables() && !v.as_table()->empty()) {
            if (v.as_table()->size() != 1)
                throw ScenarioError(fmt::format("--set {}: name one [[{}]] entry per --set", assignment, k));
            const auto entry = v.as_table()->begin();
            const std::string selector(entry->first.str());
            toml::array& entries = *existing->as_array();
            toml::table* chosen = nullptr;
            for (std::size_t i = 0; i < entries.size() && chosen == nullptr; ++i) {
                toml::table& candidate = *entries[i].as_table();
                if (selector == std::to_string(i) || candidate["name"].value<std::string>() == selector)
                    chosen = &candidate;
            }
            if (chosen == nullptr)
                throw ScenarioError(fmt::format("--set {}: no [[{}]] entry named or numbered \"{}\"", assignment, k,
                                                selector));
            if (!entry->second.is_table() || entry->second.as_table()->empty())
                throw ScenarioError(fmt::format("--set {}: [[{}]] entry \"{}\" is a table; name a key inside it",
                                                assignment, k, selector));
            target = chosen;
            source = entry->second.as_table();
            continue;
        }
        target->insert_or_assign(k, v);
        return;
    }
}

} // namespace

Scenario loadScenario(const std::filesystem::path& file, const std::vector<std::string>& overrides)
{
    toml::table document;
    try {
        document = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        throw ScenarioError(fmt::format("{}:{}: {}", file.string(), e.source().begin.line, e.description()));
    }
    for (const std::string& assignment : overrides)
        applyOverride(document, assignment);

    Scenario s;
    s.file = file;
    s.overrides = overrides;
    {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        s.text = text.str();
    }
    Table root(file, document, "");
    s.name = root.string("name", file.stem().string());
    s.description = root.string("description", "");
    s.machine.seed = root.unsignedInteger("seed", s.machine.seed);
    readMachine(root, s);
    readScheduler(root, s);
    readPolicy(root, s);
    if (auto run = root.table("run")) {
        s.instructionBudget = run->unsignedInteger("instruction_budget", s.instructionBudget);
        run->rejectUnknown();
    }
    readVms(root, s);
    root.rejectUnknown();
    s.machine.topology.seed = s.machine.seed; // one seed: speculation, migrations and random replacement
    for (const ScriptedMigration& m : s.machine.migrations)
        if (m.toCore >= s.machine.topology.cores())
            throw ScenarioError(fmt::format("{}: scripted migration of {} to core {}: the machine has {} cores",
                                            file.string(), m.vcpu, m.toCore, s.machine.topology.cores()));
    return s;
}

} // namespace vcm::hyp::scenario

// Scenario execution: build the machine, the VMs with their policy, load guests and payloads, run, report.
#include "vcm/hyp/scenario/scenario_run.h"

#include "board_setup.h"

#include "vcm/hyp/guest_abi.h"
#include "vcm/hyp/guest_image.h"
#include "vcm/hyp/memory/coherence_counts.h"
#include "vcm/hyp/boot_payload.h"
#include "vcm/tracer/trap_batching_sink.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>

namespace vcm::hyp::scenario {
namespace {


// What the toolstack and the host do to a VM before it runs: the boot payload, an older cached copy, the
// host's first cacheable read of a buffer it checks after the run.
void setUpVm(Machine& machine, const VmPlan& plan, std::size_t vm)
{
    if (plan.payload) {
        Toolstack toolstack(machine, plan.payload->core, plan.payload->raceSpeculationRate);
        toolstack.writeImage(vm, bootPayloadIpa(), buildBootPayload(plan.payload->dataBytes), plan.payload->mode);
    }
    if (plan.precache) {
        // An older copy in a core's caches, as the hypervisor's (or dom0's) cacheable map leaves one.
        std::vector<std::uint8_t> scratch(plan.precache->bytes);
        Toolstack host(machine, plan.precache->core);
        host.read(vm, plan.precache->ipa, scratch, memory::MemoryType::NormalWriteBack);
    }
    if (plan.hostCheck) {
        std::vector<std::uint8_t> scratch(plan.hostCheck->bytes);
        Toolstack host(machine, plan.hostCheck->core);
        host.read(vm, plan.hostCheck->ipa, scratch, memory::MemoryType::NormalWriteBack);
    }
}

} // namespace

std::filesystem::path guestImagePath(const std::string& guest, const std::filesystem::path& directory)
{
    if (guest.find('/') != std::string::npos || guest.ends_with(".bin"))
        return guest;
    return directory / (guest + ".bin");
}

std::string_view vcmVersion()
{
    return VCM_VERSION;
}

namespace {

// DIR in share/vcm beside an installed executable (PREFIX/bin/vcm -> PREFIX/share/vcm/DIR), when there is one.
std::optional<std::filesystem::path> installedDataDirectory(const char* name)
{
    std::error_code ec;
    const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        return std::nullopt;
    const std::filesystem::path data = executable.parent_path().parent_path() / "share" / "vcm" / name;
    if (!std::filesystem::is_directory(data, ec))
        return std::nullopt;
    return data;
}

} // namespace

std::filesystem::path defaultGuestDirectory()
{
    if (const char* fromEnvironment = std::getenv("VCM_GUEST_DIR"))
        return fromEnvironment;
    if (const auto installed = installedDataDirectory("guests"))
        return *installed;
    return VCM_BUILD_GUEST_DIR;
}

std::filesystem::path defaultScenarioDirectory()
{
    if (const auto installed = installedDataDirectory("scenarios"))
        return *installed;
    return VCM_SOURCE_SCENARIO_DIR;
}

namespace {

tracer::RunConfiguration runConfiguration(const Scenario& s)
{
    tracer::RunConfiguration c;
    c.scenario = s.name;
    c.scenarioText = s.text;
    c.policy = s.policy;
    for (const auto& [k, v] : s.knobs)
        c.knobs += (c.knobs.empty() ? "" : ",") + k + "=" + v;
    for (const std::string& o : s.overrides)
        c.overrides += (c.overrides.empty() ? "" : ";") + o;
    c.vcmVersion = std::string(vcmVersion());
    c.seed = s.machine.seed;
    const auto& t = s.machine.topology;
    c.clusters = t.clusters;
    c.coresPerCluster = t.coresPerCluster;
    c.lineBytes = t.lineBytes;
    c.l1Bytes = t.l1.sizeBytes;
    c.l1Ways = t.l1.ways;
    c.l2Bytes = t.l2.sizeBytes;
    c.l2Ways = t.l2.ways;
    c.systemCacheBytes = t.systemCache.sizeBytes;
    c.systemCacheWays = t.systemCache.ways;
    c.coreMHz = s.machine.coreMHz;
    return c;
}

} // namespace

namespace {

double threadCpuSeconds()
{
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

} // namespace

RunReport runScenario(const Scenario& scenario, const std::filesystem::path& guestDirectory, tracer::EventSink* events,
                      const RunHooks& hooks)
{
    const auto started = std::chrono::steady_clock::now();
    const double startedCpu = threadCpuSeconds();
    // Set/way traps reach every sink of the run batched (vcm:setway_traps): the trace, a flight recorder, replay's
    // catcher and playback count the same events.
    std::optional<tracer::TrapBatchingSink> batching;
    if (events != nullptr) {
        batching.emplace(*events);
        events = &*batching;
    }
    // The images first: the run configuration names each by its content hash.
    std::vector<std::optional<GuestImage>> images;
    std::vector<std::unique_ptr<BoardSetup>> boards; // per VM, null for a VM without a board
    for (const VmPlan& plan : scenario.vms) {
        if (plan.board) {
            boards.push_back(std::make_unique<BoardSetup>(scenario, plan, guestDirectory));
            images.emplace_back();
            continue;
        }
        boards.emplace_back();
        try {
            images.push_back(GuestImage::load(guestImagePath(plan.guest, guestDirectory)));
        } catch (const GuestImageError& e) {
            throw ScenarioError(fmt::format("{}: vm {}: {}", scenario.file.string(), plan.spec.name, e.what()));
        }
    }
    Machine machine(scenario.machine);
    machine.setEventSink(events);
    if (hooks.machineCreated)
        hooks.machineCreated(machine);
    if (events != nullptr) {
        tracer::RunConfiguration configuration = runConfiguration(scenario);
        for (std::size_t i = 0; i < images.size(); ++i) {
            if (images[i])
                configuration.guests += fmt::format("{}{}={}", configuration.guests.empty() ? "" : ";",
                                                    scenario.vms[i].guest, images[i]->contentHash());
            else
                for (const GuestImage* image : boards[i]->images())
                    configuration.guests += fmt::format("{}{}={}", configuration.guests.empty() ? "" : ";",
                                                        image->path.string(), image->contentHash());
        }
        events->runConfiguration(configuration);
    }
    memory::CoherenceCounts counts;
    counts.next = machine.coherenceTracer();
    machine.memory().setListener(&counts);

    std::vector<std::unique_ptr<policy::CachePolicy>> policies;
    std::vector<std::size_t> vmIndices;
    for (std::size_t i = 0; i < scenario.vms.size(); ++i) {
        const VmPlan& plan = scenario.vms[i];
        try {
            policies.push_back(policy::createPolicy(scenario.policy, machine, scenario.knobs));
        } catch (const policy::PolicyError& e) {
            throw ScenarioError(fmt::format("{}: {}", scenario.file.string(), e.what()));
        }
        VmSpec spec = plan.spec;
        if (boards[i]) {
            spec.board = &boards[i]->bus();
            spec.entry = boards[i]->entry(); // the firmware in flash (QEMU's -bios), or the kernel (-kernel)
            spec.entryX0 = boards[i]->entryX0();
            spec.secondariesStartOff = true;
        }
        const std::size_t vm = machine.createVm(spec, *policies.back());
        if (boards[i]) {
            boards[i]->load(machine, vm, events);
            boards[i]->attachConsole(hooks.consoleEcho, hooks.consoleInput);
        }
        else
            machine.loadImage(vm, VCM_GUEST_RAM_BASE, images[i]->bytes);
        vmIndices.push_back(vm);
        try {
            setUpVm(machine, plan, vm);
        } catch (const std::exception& e) {
            throw ScenarioError(fmt::format("{}: vm {}: {}", scenario.file.string(), plan.spec.name, e.what()));
        }
    }
    if (hooks.beforeRun) {
        std::vector<const policy::CachePolicy*> views;
        for (const auto& p : policies)
            views.push_back(p.get());
        hooks.beforeRun(machine, views);
    }
    if (hooks.progress)
        machine.onProgress([&](const Machine::Progress& p) {
            std::string_view line;
            for (const auto& board : boards)
                if (board)
                    line = board->lastConsoleLine();
            return hooks.progress({p.instructions, p.budget, p.virtualNs, line});
        });
    const MachineRun run = machine.run(scenario.instructionBudget);
    for (const auto& b : boards)
        if (b)
            b->flushConsole();
    if (!hooks.saveFlash1.empty()) {
        const auto board = std::find_if(boards.begin(), boards.end(), [](const auto& b) { return b != nullptr; });
        if (board == boards.end())
            throw ScenarioError(fmt::format("{}: --save-flash1: no VM of this scenario has a board",
                                            scenario.file.string()));
        (*board)->saveFlash1(hooks.saveFlash1);
    }
    // The host reads the guest's buffers again after the run (seed 003): stale reads are counted.
    for (std::size_t i = 0; i < scenario.vms.size(); ++i)
        if (const auto& check = scenario.vms[i].hostCheck) {
            std::vector<std::uint8_t> scratch(check->bytes);
            Toolstack host(machine, check->core);
            host.read(vmIndices[i], check->ipa, scratch, memory::MemoryType::NormalWriteBack);
        }

    const double nsPerCycle = 1000.0 / static_cast<double>(scenario.machine.coreMHz);
    RunReport report;
    report.scenario = scenario.name;
    report.policy = scenario.policy;
    report.seed = scenario.machine.seed;
    report.instructions = run.instructions;
    report.timerTicks = run.timerTicks;
    report.completed = run.allExited;
    std::size_t vcpuIndex = 0;
    memory::Cycles worstLatency = 0;
    for (std::size_t vm = 0; vm < scenario.vms.size(); ++vm) {
        const VmPlan& plan = scenario.vms[vm];
        const BoardSetup* board = boards[vm].get();
        const bool stopped = board != nullptr && board->stopReached(); // its console showed the stop text
        if (stopped)
            report.completed = true;
        for (std::size_t c = 0; c < plan.spec.vcpuCores.size(); ++c, ++vcpuIndex) {
            const VcpuSummary& v = run.vcpus.at(vcpuIndex);
            GuestOutcome outcome;
            outcome.name = v.name;
            outcome.guest = board != nullptr ? plan.board->firmware.filename().string() : plan.guest;
            // A board's console is its UART (the firmware's, then the kernel's); vcm's console hypercall adds to it.
            outcome.console = (board != nullptr && c == 0 ? board->console() : std::string()) + v.console;
            outcome.fault = v.fault;
            if (v.exited && v.systemReset) {
                outcome.verdict = "RESET"; // PSCI SYSTEM_RESET: firmware gave up (U-Boot's reset after a panic)
            } else if (v.exited) {
                outcome.exitStatus = static_cast<int>(v.exitCode);
                outcome.verdict = v.exitCode == 0 ? "PASS" : "FAIL";
            } else if (!v.fault.empty()) {
                outcome.verdict = "FAULT";
            } else if (v.systemOff || v.systemReset || !v.poweredOn) {
                outcome.verdict = "OFF"; // a secondary never started, or its VM switched off around it
            } else {
                outcome.verdict = stopped ? "PASS" : "TIMEOUT";
            }
            report.guests.push_back(outcome);
            report.traps.setWay += v.trapCounts.setWay;
            report.traps.tvm += v.trapCounts.tvm;
            report.traps.tvmAfterCachesOn += v.trapCounts.tvmAfterCachesOn;
            report.traps.stage2Fault += v.trapCounts.stage2Fault;
            report.traps.cacheIdRegister += v.trapCounts.cacheIdRegister;
            report.traps.smccc += v.trapCounts.smccc;
            report.traps.mmio += v.trapCounts.mmio;
            worstLatency = std::max(worstLatency, v.maxSchedulingLatency);
            report.migrations += v.migrations;
        }
    }
    memory::Cycles longestSegment = 0;
    memory::Cycles longestDelay = 0;
    for (const auto& p : policies) {
        report.flushes += p->flushes().records.size();
        report.flushPages += p->flushes().totalPages();
        for (const policy::FlushRecord& record : p->flushes().records)
            report.flushSegments += record.segments.size();
        longestSegment = std::max(longestSegment, p->flushes().longestSegment());
        longestDelay = std::max(longestDelay, p->flushes().longestUnpreemptedDelay());
    }
    memory::Cycles vtime = 0;
    for (memory::CoreId core = 0; core < scenario.machine.topology.cores(); ++core)
        vtime = std::max(vtime, machine.memory().coreTime(core));
    if (events != nullptr)
        events->runEnd(machine.nanoseconds(vtime), run.instructions); // after the host's post-run reads
    report.staleReads = counts.staleReads;
    report.clobbers = counts.clobbers;
    report.staleWindows = counts.windowsOpened;
    report.maxFlushSegmentNs = static_cast<double>(longestSegment) * nsPerCycle;
    report.maxUnpreemptedFlushNs = static_cast<double>(longestDelay) * nsPerCycle;
    report.maxSchedLatencyNs = static_cast<double>(worstLatency) * nsPerCycle;
    report.vtimeNs = static_cast<double>(vtime) * nsPerCycle;
    report.hostSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report.hostCpuSeconds = threadCpuSeconds() - startedCpu;
    return report;
}

std::string toJson(const RunReport& r)
{
    nlohmann::json guests = nlohmann::json::array();
    for (const GuestOutcome& g : r.guests)
        guests.push_back({{"name", g.name}, {"guest", g.guest}, {"verdict", g.verdict}, {"exit_status", g.exitStatus},
                          {"fault", g.fault}});
    const nlohmann::json j = {
        {"scenario", r.scenario},
        {"policy", r.policy},
        {"seed", r.seed},
        {"guests", guests},
        {"stale_reads", r.staleReads},
        {"clobbers", r.clobbers},
        {"stale_windows", r.staleWindows},
        {"flushes", r.flushes},
        {"flush_segments", r.flushSegments},
        {"flush_pages", r.flushPages},
        {"migrations", r.migrations},
        {"max_flush_segment_ns", r.maxFlushSegmentNs},
        {"max_unpreempted_flush_ns", r.maxUnpreemptedFlushNs},
        {"traps", {{"setway", r.traps.setWay}, {"tvm", r.traps.tvm}, {"stage2_fault", r.traps.stage2Fault},
                   {"cache_id_register", r.traps.cacheIdRegister}, {"smccc", r.traps.smccc}, {"mmio", r.traps.mmio}}},
        {"tvm_traps_after_caches_on", r.traps.tvmAfterCachesOn},
        {"max_sched_latency_ns", r.maxSchedLatencyNs},
        {"vtime_ns", r.vtimeNs},
        {"host_seconds", r.hostSeconds},
        {"host_cpu_seconds", r.hostCpuSeconds},
        {"instructions", r.instructions},
        {"timer_ticks", r.timerTicks},
        {"completed", r.completed},
    };
    nlohmann::json out = j;
    if (!r.trace.empty()) {
        out["trace"] = {{"directory", r.trace}, {"discarded_events", r.discardedEvents}, {"lost_packets", r.lostPackets}};
        if (!r.snapshotReason.empty())
            out["trace"]["snapshot"] = r.snapshotReason;
    }
    return out.dump(2);
}

std::string toText(const RunReport& r)
{
    std::string text = fmt::format("scenario {} under {} (seed {})\n", r.scenario, r.policy, r.seed);
    for (const GuestOutcome& g : r.guests) {
        text += fmt::format("--- {} ({}) ---\n{}", g.name, g.guest, g.console);
        if (!g.console.empty() && g.console.back() != '\n')
            text += '\n';
        text += fmt::format("{}: {}{}\n", g.name, g.verdict, g.fault.empty() ? "" : " — " + g.fault);
    }
    text += fmt::format("oracle: {} stale reads, {} clobbers, {} stale-data windows\n", r.staleReads, r.clobbers,
                        r.staleWindows);
    text += fmt::format("flushes: {} in {} segments ({} pages), longest segment {:.1f} us, longest unpreempted delay {:.1f} us\n",
                        r.flushes, r.flushSegments, r.flushPages, r.maxFlushSegmentNs / 1000, r.maxUnpreemptedFlushNs / 1000);
    text += fmt::format("traps: {} set/way, {} TVM ({} after caches on), {} stage-2 faults", r.traps.setWay,
                        r.traps.tvm, r.traps.tvmAfterCachesOn, r.traps.stage2Fault);
    if (r.traps.cacheIdRegister != 0) // HCR_EL2.TID2: KVM's fabricated cache geometry
        text += fmt::format(", {} cache ID register accesses", r.traps.cacheIdRegister);
    if (r.traps.smccc + r.traps.mmio != 0) // a board's firmware calls and device accesses
        text += fmt::format(", {} firmware calls, {} device accesses", r.traps.smccc, r.traps.mmio);
    text += "\n";
    text += fmt::format("{} migrations; worst scheduling latency {:.1f} us; virtual time {:.3f} ms; host {:.2f} s\n",
                        r.migrations, r.maxSchedLatencyNs / 1000, r.vtimeNs / 1e6, r.hostSeconds);
    if (!r.trace.empty()) {
        text += fmt::format("trace: {} ({} events discarded, {} packets lost)\n", r.trace, r.discardedEvents,
                            r.lostPackets);
        if (!r.snapshotReason.empty())
            text += fmt::format("flight recorder snapshot taken: {}\n", r.snapshotReason);
    }
    return text;
}

std::string runVerdict(const RunReport& report)
{
    for (const char* worst : {"FAULT", "TIMEOUT", "FAIL"})
        for (const GuestOutcome& g : report.guests)
            if (g.verdict == worst)
                return worst;
    return report.staleReads != 0 || report.clobbers != 0 ? "STALE" : "PASS";
}

std::string renderMatrix(const std::vector<RunReport>& reports, MatrixFormat format)
{
    // The analyzer's default long-flush threshold (DetectorOptions::longFlushSegmentNs): 1 ms.
    constexpr double kLongFlushNs = 1'000'000;
    std::map<std::string, double> fwbTime;
    for (const RunReport& r : reports)
        if (r.policy == "kvm-fwb")
            fwbTime[r.scenario] = r.vtimeNs;
    const std::vector<std::string> header = {"scenario", "policy", "verdict", "guests", "stale reads", "clobbers",
                                             "max unpreempted flush (us)", "flushes", "traps",
                                             "worst sched latency (us)", "slowdown vs kvm-fwb"};
    std::vector<std::vector<std::string>> rows;
    for (const RunReport& r : reports) {
        std::string verdicts;
        for (const GuestOutcome& g : r.guests)
            verdicts += (verdicts.empty() ? "" : " ") + g.verdict;
        auto fwb = fwbTime.find(r.scenario);
        const std::string slowdown =
            fwb != fwbTime.end() && fwb->second > 0 ? fmt::format("{:.2f}x", r.vtimeNs / fwb->second) : "-";
        std::string verdict = runVerdict(r);
        if (verdict == "PASS" && r.maxUnpreemptedFlushNs > kLongFlushNs)
            verdict = "SLOW";
        rows.push_back({r.scenario, r.policy, verdict, verdicts, std::to_string(r.staleReads), std::to_string(r.clobbers),
                        fmt::format("{:.1f}", r.maxUnpreemptedFlushNs / 1000), std::to_string(r.flushes),
                        std::to_string(r.traps.total()), fmt::format("{:.1f}", r.maxSchedLatencyNs / 1000), slowdown});
    }
    std::string out;
    if (format == MatrixFormat::Csv) {
        auto line = [](const std::vector<std::string>& cells) {
            std::string l;
            for (const std::string& c : cells)
                l += (l.empty() ? "" : ",") + (c.find(',') != std::string::npos ? "\"" + c + "\"" : c);
            return l + "\n";
        };
        out += line(header);
        for (const auto& row : rows)
            out += line(row);
        return out;
    }
    std::vector<std::size_t> width(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        width[i] = header[i].size();
        for (const auto& row : rows)
            width[i] = std::max(width[i], row[i].size());
    }
    const bool markdown = format == MatrixFormat::Markdown;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string l = markdown ? "| " : "";
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const bool last = i + 1 == cells.size();
            l += markdown || !last ? fmt::format("{:<{}}", cells[i], width[i]) : cells[i];
            if (!last)
                l += markdown ? " | " : "  ";
        }
        return l + (markdown ? " |\n" : "\n");
    };
    out += line(header);
    std::vector<std::string> rule;
    for (std::size_t w : width)
        rule.push_back(std::string(w, '-'));
    out += line(rule);
    for (const auto& row : rows)
        out += line(row);
    return out;
}

} // namespace vcm::hyp::scenario

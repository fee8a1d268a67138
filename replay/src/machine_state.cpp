#include "vcm/replay/machine_state.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace vcm::replay {
namespace {

std::string cacheName(const hyp::memory::CacheLocation& where)
{
    switch (where.level) {
    case hyp::memory::CacheLevel::L1:
        return fmt::format("L1 of core {}", where.instance);
    case hyp::memory::CacheLevel::L2:
        return fmt::format("L2 of cluster {}", where.instance);
    case hyp::memory::CacheLevel::SystemCache:
        return "system cache";
    }
    return "?";
}

// How a vCPU's data accesses to its RAM are treated now: Arm ARM D8.2.12 (stage 1 off: Device-nGnRnE for
// data unless HCR_EL2.DC) combined with stage 2 (FWB forces write-back). With stage 1 on, the guest's own
// tables decide; the runtime's identity map makes RAM Normal write-back, which is what this reports.
std::string accessAttributes(hyp::cpu::Vcpu& vcpu)
{
    const hyp::cpu::HcrEl2& hcr = vcpu.hcr();
    const std::uint64_t sctlr = vcpu.readRegister(hyp::cpu::SystemRegister::SctlrEl1);
    const bool m = (sctlr & 1) != 0;
    const bool c = (sctlr & 4) != 0;
    if (hcr.fwb)
        return "Normal write-back (HCR_EL2.FWB forces it)";
    if (!m)
        return hcr.dc ? "Normal write-back (MMU off, HCR_EL2.DC)" : "Device-nGnRnE (MMU off): bypasses the caches";
    if (!c)
        return "Normal non-cacheable (SCTLR_EL1.C clear): bypasses the caches";
    return "Normal write-back through its stage-1 tables (identity map of RAM)";
}

} // namespace

MachineState captureMachineState(hyp::Machine& machine, const std::vector<const hyp::policy::CachePolicy*>& policies,
                                 const std::vector<std::uint64_t>& addresses)
{
    MachineState state;
    hyp::memory::MemorySystem& memory = machine.memory();
    for (const std::uint64_t address : addresses) {
        const hyp::memory::WordInspection w = memory.inspectWord(address);
        AddressState a;
        a.address = w.address;
        for (const hyp::memory::CachedCopy& copy : w.copies)
            a.copies.push_back({cacheName(copy.location), copy.dirty, copy.value, copy.version});
        a.ramValue = w.ramValue;
        a.ramVersion = w.ramVersion;
        a.latestValue = w.latestValue;
        a.latestVersion = w.latestVersion;
        a.latestWriter = w.everWritten ? memory.agent(w.latestWriter).name : std::string();
        a.stage2 = "no VM maps this machine address";
        for (std::size_t vm = 0; vm < machine.vmCount(); ++vm) {
            const hyp::VmSpec& spec = machine.vmSpec(vm);
            if (w.address < spec.machineBase || w.address >= spec.machineBase + spec.ramBytes)
                continue;
            a.vm = spec.name;
            a.ipa = spec.ramIpa + (w.address - spec.machineBase);
            const auto entry = machine.stage2(vm).lookup(*a.ipa >> 12);
            if (!entry)
                a.stage2 = "unmapped in stage 2";
            else
                a.stage2 = fmt::format("{} {} (level {})", entry->valid ? "valid" : "invalid (the next access faults)",
                                       entry->type == hyp::vm::Stage2Type::Ram ? "RAM" : "MMIO", entry->level);
            for (std::size_t v = 0; v < spec.vcpuCores.size(); ++v) {
                hyp::cpu::Vcpu& vcpu = machine.vcpu(vm, v);
                a.access.push_back({vcpu.config().name, accessAttributes(vcpu)});
            }
        }
        state.addresses.push_back(std::move(a));
    }
    for (std::size_t vm = 0; vm < machine.vmCount(); ++vm) {
        const hyp::VmSpec& spec = machine.vmSpec(vm);
        for (std::size_t v = 0; v < spec.vcpuCores.size(); ++v) {
            hyp::cpu::Vcpu& vcpu = machine.vcpu(vm, v);
            VcpuState s;
            s.name = vcpu.config().name;
            s.core = vcpu.core();
            s.sctlr = vcpu.readRegister(hyp::cpu::SystemRegister::SctlrEl1);
            s.m = (s.sctlr & 1) != 0;
            s.c = (s.sctlr & 4) != 0;
            s.i = (s.sctlr & (1u << 12)) != 0;
            const hyp::cpu::HcrEl2& hcr = vcpu.hcr();
            s.hcrVm = hcr.vm;
            s.hcrSwio = hcr.swio;
            s.hcrTsw = hcr.tsw;
            s.hcrTvm = hcr.tvm;
            s.hcrDc = hcr.dc;
            s.hcrFwb = hcr.fwb;
            state.vcpus.push_back(s);
        }
        if (vm >= policies.size())
            continue;
        const auto& records = policies[vm]->flushes().records;
        for (std::size_t id = 0; id < records.size(); ++id) {
            const hyp::policy::FlushRecord& r = records[id];
            if (r.finished)
                continue;
            FlushState f;
            f.vm = spec.name;
            f.flushId = id;
            f.vcpu = r.vcpu;
            f.reason = hyp::policy::toString(r.reason);
            f.requestedNs = machine.nanoseconds(r.requestedAt);
            f.segments = r.segments.size();
            f.pages = r.pages;
            if (!r.segments.empty())
                f.resumeGfn = r.segments.back().resumeGfn;
            state.flushes.push_back(f);
        }
    }
    return state;
}

std::string toText(const MachineState& s)
{
    std::string out = fmt::format("at event #{} {}{}\n", s.eventIndex, s.event,
                                  s.vtimeNs ? fmt::format(", virtual time {} ns", *s.vtimeNs) : std::string());
    for (const AddressState& a : s.addresses) {
        out += fmt::format("\naddress {:#x}", a.address);
        if (a.vm)
            out += fmt::format(" (VM {}, IPA {:#x}, stage 2: {})", *a.vm, *a.ipa, a.stage2);
        else
            out += fmt::format(" ({})", a.stage2);
        out += "\n";
        if (a.copies.empty())
            out += "  cached copies: none\n";
        for (const CopyState& c : a.copies)
            out += fmt::format("  {:<18} {:<5}  value {:#018x}  version {}\n", c.cache, c.dirty ? "dirty" : "clean",
                               c.value, c.version);
        out += fmt::format("  {:<18} {:<5}  value {:#018x}  version {}\n", "RAM", "", a.ramValue, a.ramVersion);
        out += fmt::format("  {:<18} {:<5}  value {:#018x}  version {}{}\n", "latest (oracle)", "", a.latestValue,
                           a.latestVersion, a.latestWriter.empty() ? " (never written)" : ", written by " + a.latestWriter);
        for (const VcpuAccess& v : a.access)
            out += fmt::format("  {} accesses it as {}\n", v.vcpu, v.attributes);
    }
    out += "\nvCPUs\n";
    for (const VcpuState& v : s.vcpus)
        out += fmt::format("  {:<6} core {}  SCTLR_EL1 {:#x} (M={} C={} I={})  HCR_EL2 VM={} SWIO={} TSW={} TVM={} DC={} "
                           "FWB={}\n",
                           v.name, v.core, v.sctlr, int{v.m}, int{v.c}, int{v.i}, int{v.hcrVm}, int{v.hcrSwio},
                           int{v.hcrTsw}, int{v.hcrTvm}, int{v.hcrDc}, int{v.hcrFwb});
    if (s.flushes.empty())
        out += "\nno flush in progress\n";
    for (const FlushState& f : s.flushes)
        out += fmt::format("\nflush {} of VM {} in progress: {} requested by {} at {} ns, {} segments, {} pages so far, {}\n",
                           f.flushId, f.vm, f.reason, f.vcpu, f.requestedNs, f.segments, f.pages,
                           f.resumeGfn ? fmt::format("resumes at gfn {:#x}", *f.resumeGfn) : std::string("not started"));
    return out;
}

std::string toJson(const MachineState& s)
{
    nlohmann::ordered_json j;
    j["event_index"] = s.eventIndex;
    j["event"] = s.event;
    j["vtime_ns"] = s.vtimeNs ? nlohmann::ordered_json(*s.vtimeNs) : nlohmann::ordered_json(nullptr);
    j["addresses"] = nlohmann::ordered_json::array();
    for (const AddressState& a : s.addresses) {
        nlohmann::ordered_json x;
        x["address"] = fmt::format("{:#x}", a.address);
        x["vm"] = a.vm ? nlohmann::ordered_json(*a.vm) : nlohmann::ordered_json(nullptr);
        x["ipa"] = a.ipa ? nlohmann::ordered_json(fmt::format("{:#x}", *a.ipa)) : nlohmann::ordered_json(nullptr);
        x["stage2"] = a.stage2;
        x["copies"] = nlohmann::ordered_json::array();
        for (const CopyState& c : a.copies)
            x["copies"].push_back({{"cache", c.cache}, {"dirty", c.dirty}, {"value", fmt::format("{:#x}", c.value)},
                                   {"version", c.version}});
        x["ram"] = {{"value", fmt::format("{:#x}", a.ramValue)}, {"version", a.ramVersion}};
        x["latest"] = {{"value", fmt::format("{:#x}", a.latestValue)},
                       {"version", a.latestVersion},
                       {"writer", a.latestWriter}};
        x["access"] = nlohmann::ordered_json::array();
        for (const VcpuAccess& v : a.access)
            x["access"].push_back({{"vcpu", v.vcpu}, {"attributes", v.attributes}});
        j["addresses"].push_back(x);
    }
    j["vcpus"] = nlohmann::ordered_json::array();
    for (const VcpuState& v : s.vcpus)
        j["vcpus"].push_back({{"name", v.name}, {"core", v.core}, {"sctlr", fmt::format("{:#x}", v.sctlr)},
                              {"m", v.m}, {"c", v.c}, {"i", v.i},
                              {"hcr", {{"vm", v.hcrVm}, {"swio", v.hcrSwio}, {"tsw", v.hcrTsw}, {"tvm", v.hcrTvm},
                                       {"dc", v.hcrDc}, {"fwb", v.hcrFwb}}}});
    j["flushes_in_progress"] = nlohmann::ordered_json::array();
    for (const FlushState& f : s.flushes)
        j["flushes_in_progress"].push_back(
            {{"vm", f.vm}, {"flush_id", f.flushId}, {"vcpu", f.vcpu}, {"reason", f.reason},
             {"requested_ns", f.requestedNs}, {"segments", f.segments}, {"pages", f.pages},
             {"resume_gfn", f.resumeGfn ? nlohmann::ordered_json(fmt::format("{:#x}", *f.resumeGfn))
                                        : nlohmann::ordered_json(nullptr)}});
    return j.dump(2) + "\n";
}

} // namespace vcm::replay

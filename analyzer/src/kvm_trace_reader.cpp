// trace-cmd files of real KVM/arm64 into trace-database events (kvm_trace_reader.h). The field names are those of
// arch/arm64/kvm/trace_arm.h, trace_handle_exit.h and include/trace/events/kvm.h in Linux 6.1 and 6.12.
#include "vcm/analyzer/kvm_trace_reader.h"

#include "vcm/analyzer/ctf_reader.h"
#include "vcm/analyzer/trace_database_builder.h"
#include "vcm/analyzer/trace_labels.h"

#include "trace_cmd_input.h"

#include <fmt/core.h>

#include <array>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace vcm::analyzer {
namespace {

constexpr std::array<char, 10> kTraceCmdMagic{0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
constexpr std::uint32_t kVm = 0;
// kvm_exit's ret: ARM_EXCEPTION_IRQ (arch/arm64/include/asm/kvm_asm.h): a host interrupt, not a guest trap.
constexpr std::int64_t kArmExceptionIrq = 0;
// kvm_mmio's type (include/trace/events/kvm.h): KVM_TRACE_MMIO_READ_UNSATISFIED 0, READ 1, WRITE 2.
constexpr std::int64_t kMmioWrite = 2;
constexpr std::uint64_t kPageOffset = 0xfff;
constexpr std::uint64_t kEcInstructionAbortLowerEl = 0x20; // ESR_ELx.EC (Arm ARM D17.2.37)
constexpr std::uint64_t kSctlrM = 1u << 0;
constexpr std::uint64_t kSctlrC = 1u << 2;

class KvmEventMapper {
public:
    KvmEventMapper(tracecmd_input* input, std::string scenario, TraceDatabaseBuilder& builder, KvmTraceSummary& summary)
        : m_tep(vcm_trace_cmd_tep(input)), m_scenario(std::move(scenario)), m_builder(builder),
          m_summary(summary)
    {
    }

    // The first error, kept because libtracecmd calls back from C, which an exception must not unwind through.
    std::optional<std::string> error;

    void record(tep_record* record)
    {
        ++m_summary.events;
        if (!m_firstTs)
            m_firstTs = record->ts;
        const std::uint64_t t = record->ts - *m_firstTs;
        m_lastTs = t;
        if (record->missed_events != 0) // -1: some, count unknown
            m_builder.dataLoss("events", record->missed_events > 0 ? static_cast<std::uint64_t>(record->missed_events) : 0,
                               std::nullopt, std::nullopt);
        tep_event* event = tep_find_event_by_record(m_tep, record);
        const std::string name = event != nullptr ? event->name : fmt::format("event id {}", tep_data_type(m_tep, record));
        const bool kvm = event != nullptr && std::strcmp(event->system, "kvm") == 0;
        if (kvm)
            ++m_summary.kvmEvents;
        const int pid = tep_data_pid(m_tep, record);
        const auto core = static_cast<std::uint32_t>(record->cpu);
        Vcpu* v = kvm ? vcpuOf(pid, name == "kvm_entry", t, core) : nullptr;
        if (v != nullptr && v->pendingFault && name != "kvm_mmio")
            emitFault(*v, std::nullopt);
        m_builder.beginEvent(t);
        if (v == nullptr || !map(event, record, name, *v, t, core))
            keepRaw(event, record, name, t);
    }

    // The end of the file is the end of the run: the recording covered the VMM from start to exit.
    void finish()
    {
        for (auto& [pid, v] : m_vcpus)
            if (v.pendingFault)
                emitFault(v, std::nullopt);
        if (m_lastTs)
            m_builder.runEnd(*m_lastTs, 0);
    }

private:
    struct PendingFault {
        std::uint64_t t = 0;
        std::uint32_t core = 0;
        std::uint64_t ipa = 0;
        bool instructionFetch = false;
    };
    struct Vcpu {
        std::uint32_t index = 0;
        std::optional<PendingFault> pendingFault;
    };

    // The vCPU a thread runs: made at its first kvm_entry; KVM events of threads that never entered a guest
    // (timers, MMU notifiers) belong to no vCPU.
    Vcpu* vcpuOf(int pid, bool entering, std::uint64_t t, std::uint32_t core)
    {
        auto it = m_vcpus.find(pid);
        if (it != m_vcpus.end())
            return &it->second;
        if (!entering)
            return nullptr;
        Vcpu& v = m_vcpus[pid];
        v.index = m_summary.vcpus++;
        if (v.index == 0)
            configure();
        const char* comm = tep_data_comm_from_pid(m_tep, pid);
        const std::string vmName = comm != nullptr ? comm : fmt::format("pid {}", pid);
        const std::string vcpuName = fmt::format("{}v{}", vmName, v.index);
        // Entities and states the trace implies rather than records: they count as no event of their own.
        m_builder.agent(v.index, tracer::AgentRole::Vcpu, vcpuName, static_cast<std::int32_t>(core));
        m_builder.vcpuCreate(kVm, v.index, v.index, core, vmName, vcpuName);
        // KVM arms TVM at vCPU reset (HCR_GUEST_FLAGS): it is armed before the vCPU first runs.
        m_builder.tvmChange(t, kVm, v.index, true);
        return &v;
    }

    void configure()
    {
        tracer::RunConfiguration c;
        c.scenario = m_scenario;
        c.policy = "linux-kvm";
        c.clusters = 1;
        c.coresPerCluster = static_cast<std::uint32_t>(std::max(tep_get_cpus(m_tep), 1));
        m_builder.runConfiguration(c);
    }

    std::optional<std::int64_t> field(tep_event* event, tep_record* record, const char* name) const
    {
        tep_format_field* f = tep_find_field(event, name);
        unsigned long long value = 0;
        if (f == nullptr || tep_read_number_field(f, record->data, &value) != 0)
            return std::nullopt;
        return static_cast<std::int64_t>(value);
    }

    std::int64_t need(tep_event* event, tep_record* record, const char* name) const
    {
        if (auto value = field(event, record, name))
            return *value;
        throw CtfReadError(fmt::format("{} has no field {}: not the kvm event this reader knows (Linux 6.1 to 6.12)",
                                       event->name, name));
    }

    bool map(tep_event* event, tep_record* record, const std::string& name, Vcpu& v, std::uint64_t t,
             std::uint32_t core)
    {
        if (name == "kvm_entry") {
            m_builder.vcpuRun(t, kVm, v.index, core);
        } else if (name == "kvm_exit") {
            const bool irq = need(event, record, "ret") == kArmExceptionIrq;
            m_builder.vcpuStop(t, kVm, v.index, core,
                               irq ? tracer::VcpuStopReason::Preempted : tracer::VcpuStopReason::Hypervisor, 0);
        } else if (name == "kvm_sys_access") {
            sysAccess(event, record, v, t, core);
        } else if (name == "kvm_guest_fault") {
            // The faulting IPA: the page (HPFAR_EL2) with the offset of the address within it (FAR_EL2).
            const auto ipa = static_cast<std::uint64_t>(need(event, record, "ipa"));
            const auto far = static_cast<std::uint64_t>(need(event, record, "hxfar"));
            // ESR_EL2.EC (bits [31:26]) 0x20: an instruction abort from a lower EL; 0x24 a data abort.
            const auto esr = static_cast<std::uint64_t>(need(event, record, "hsr"));
            const bool instructionFetch = ((esr >> 26) & 0x3f) == kEcInstructionAbortLowerEl;
            v.pendingFault = PendingFault{t, core, (ipa & ~kPageOffset) | (far & kPageOffset), instructionFetch};
        } else if (name == "kvm_mmio") {
            const auto gpa = static_cast<std::uint64_t>(need(event, record, "gpa"));
            // kvm_guest_fault's ipa is the page HPFAR_EL2 gives (6.12) or the whole IPA (6.1): compare pages.
            if (!v.pendingFault || (v.pendingFault->ipa & ~kPageOffset) != (gpa & ~kPageOffset))
                return false; // the completion of an MMIO read (kvm_handle_mmio_return): the exit is already there
            const bool store = need(event, record, "type") == kMmioWrite;
            const auto length = static_cast<std::uint32_t>(need(event, record, "len"));
            const auto value = static_cast<std::uint64_t>(need(event, record, "val"));
            v.pendingFault->ipa = gpa;
            emitFault(v, MmioAccess{store, length, value});
        } else if (name == "kvm_set_way_flush") {
            m_builder.flushRequest(t, kVm, v.index, m_flushes++, tracer::FlushReason::SetWay);
            m_builder.tvmChange(t, kVm, v.index, true);
        } else if (name == "kvm_toggle_cache") {
            const bool was = need(event, record, "was") != 0;
            const bool now = need(event, record, "now") != 0;
            if (was != now) {
                m_builder.flushRequest(t, kVm, v.index, m_flushes++,
                                       now ? tracer::FlushReason::CachesOn : tracer::FlushReason::CachesOff);
                // SCTLR_EL1 as far as KVM reports it (vcpu_has_cache_enabled): M and C both set, or not.
                m_builder.sctlrChange(t, kVm, v.index, was ? kSctlrM | kSctlrC : 0, now ? kSctlrM | kSctlrC : 0);
            }
            if (now) // kvm_toggle_cache: "If switching it on, stop trapping VM ops"
                m_builder.tvmChange(t, kVm, v.index, false);
        } else {
            return false;
        }
        return true;
    }

    void sysAccess(tep_event* event, tep_record* record, const Vcpu& v, std::uint64_t t, std::uint32_t core)
    {
        const bool write = need(event, record, "is_write") != 0;
        const std::uint32_t iss = tracer::systemRegisterIss(
            static_cast<unsigned>(need(event, record, "Op0")), static_cast<unsigned>(need(event, record, "Op1")),
            static_cast<unsigned>(need(event, record, "CRn")), static_cast<unsigned>(need(event, record, "CRm")),
            static_cast<unsigned>(need(event, record, "Op2")), !write);
        // access_dcsw, access_vm_reg (the TVM-trapped writes), and every other trapped register.
        if (const std::optional<std::uint32_t> op = setWayOperationAt(iss)) {
            m_builder.trap(t, kVm, v.index, core, tracer::TrapKind::SetWay, *op, 0, 0, 0);
        } else if (write && trappedByTvmAt(iss)) {
            m_builder.trap(t, kVm, v.index, core, tracer::TrapKind::VmRegister, *systemRegisterValueAt(iss), 0, 0, 0);
        } else {
            m_builder.trap(t, kVm, v.index, core, tracer::TrapKind::SystemRegister, iss, 0, 0, 0);
        }
    }

    struct MmioAccess {
        bool store = false;
        std::uint32_t length = 0;
        std::uint64_t value = 0;
    };

    // A kvm_guest_fault is a stage-2 fault unless the vCPU's next KVM event is the kvm_mmio of the same IPA: then
    // KVM found no memslot there and emulates it (io_mem_abort), which for vcm's guests is an exit to the VMM.
    void emitFault(Vcpu& v, std::optional<MmioAccess> mmio)
    {
        const PendingFault f = *v.pendingFault;
        v.pendingFault.reset();
        if (mmio) {
            // detail as vcm's mmio traps (docs/events.md): region index 0 (a trace names no region), 0x80 for a store.
            const std::uint32_t detail = (mmio->store ? 0x80u : 0u) | (mmio->length & 0xfu);
            m_builder.trap(f.t, kVm, v.index, f.core, tracer::TrapKind::Mmio, detail, f.ipa, 0, mmio->value);
        } else {
            m_builder.trap(f.t, kVm, v.index, f.core, tracer::TrapKind::Stage2Fault,
                           f.instructionFetch ? tracer::kStage2FaultInstructionFetch : 0, f.ipa, 0, 0);
        }
    }

    void keepRaw(tep_event* event, tep_record* record, const std::string& name, std::uint64_t t)
    {
        ++m_summary.unmapped[name];
        std::vector<RawField> fields;
        fields.push_back({"cpu", record->cpu, std::nullopt});
        fields.push_back({"pid", tep_data_pid(m_tep, record), std::nullopt});
        if (event != nullptr)
            for (tep_format_field* f = event->format.fields; f != nullptr; f = f->next) {
                unsigned long long value = 0;
                if ((f->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_STRING | TEP_FIELD_IS_DYNAMIC)) == 0 &&
                    tep_read_number_field(f, record->data, &value) == 0)
                    fields.push_back({f->name, static_cast<std::int64_t>(value), std::nullopt});
            }
        m_builder.rawEvent(event != nullptr ? fmt::format("{}:{}", event->system, name) : name, t, false, fields);
    }

    tep_handle* m_tep;
    std::string m_scenario; // the file's stem: the run names no scenario
    TraceDatabaseBuilder& m_builder;
    KvmTraceSummary& m_summary;
    std::optional<std::uint64_t> m_firstTs;
    std::optional<std::uint64_t> m_lastTs;
    std::unordered_map<int, Vcpu> m_vcpus;
    std::uint32_t m_flushes = 0;
};

// Returns non-zero to stop the iteration at the first error.
int onRecord(tep_record* record, void* data)
{
    auto& mapper = *static_cast<KvmEventMapper*>(data);
    try {
        mapper.record(record);
        return 0;
    } catch (const std::exception& e) {
        mapper.error = e.what();
        return 1;
    }
}

struct InputCloser {
    void operator()(tracecmd_input* input) const { vcm_trace_cmd_close(input); }
};

} // namespace

bool isTraceCmdFile(const std::filesystem::path& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return false;
    std::ifstream in(path, std::ios::binary);
    std::array<char, kTraceCmdMagic.size()> head{};
    in.read(head.data(), head.size());
    return in.gcount() == static_cast<std::streamsize>(head.size()) && head == kTraceCmdMagic;
}

KvmTraceSummary readKvmTrace(const std::filesystem::path& file, TraceDatabaseBuilder& builder)
{
    if (!isTraceCmdFile(file))
        throw CtfReadError(fmt::format("{}: not a trace-cmd file (it does not start with trace-cmd's magic "
                                       "\"\\x17\\x08\\x44tracing\")",
                                       file.string()));
    std::unique_ptr<tracecmd_input, InputCloser> input(vcm_trace_cmd_open(file.c_str()));
    if (!input)
        throw CtfReadError(fmt::format("{}: libtracecmd cannot open it: a truncated or damaged trace-cmd file",
                                       file.string()));
    KvmTraceSummary summary;
    KvmEventMapper mapper(input.get(), file.stem().string(), builder, summary);
    const int status = vcm_trace_cmd_iterate(input.get(), onRecord, &mapper);
    if (mapper.error)
        throw CtfReadError(fmt::format("{}: event {}: {}", file.string(), summary.events, *mapper.error));
    if (status < 0)
        throw CtfReadError(fmt::format("{}: libtracecmd could not read its events: the file is damaged",
                                       file.string()));
    mapper.finish();
    if (summary.kvmEvents == 0)
        throw CtfReadError(fmt::format("{}: {} events, none of them kvm: record with `trace-cmd record -e kvm`",
                                       file.string(), summary.events));
    if (summary.vcpus == 0)
        throw CtfReadError(fmt::format("{}: no kvm_entry: no vCPU ever entered its guest", file.string()));
    return summary;
}

} // namespace vcm::analyzer

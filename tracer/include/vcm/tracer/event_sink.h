// The tracing interface the hypervisor model emits through. It knows nothing of LTTng: the LTTng-UST
// implementation is LttngEventSink (lttng_event_sink.h); a null sink pointer at an emission site costs one
// predictable branch. Every event carries the virtual time in nanoseconds and the ids it concerns; docs/events.md
// describes each event and field as it appears in the trace.
#pragma once

#include "vcm/tracer/timer_ticks.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vcm::tracer {

// Enumerations shared by the sink and the trace's enum fields; values are stable (they are in traces).
// Smccc: a firmware call (PSCI), detail = function id, operand = x1, old value = conduit (0 HVC, 1 SMC), new
// value = the result in x0. Mmio: a device access EL2 emulated, detail = region index << 8 | 0x80 for a store
// | size in bytes, operand = IPA, new value = the data.
// Undefined: EL2 refused a trapped instruction and the guest took an Undefined Instruction exception at it.
// SystemRegister: an access trapped for a reason other than TVM or TSW (the cache ID registers under
// HCR_EL2.TID2/TID4, as KVM traps them to fake the geometry); detail is its ESR_ELx ISS for EC 0x18 with Rt 0
// (tracer::systemRegisterIss), so any register can be named.
// Stage2Fault: operand = the faulting IPA; detail = kStage2FaultInstructionFetch for an instruction fetch (a
// hardware trace's EC 0x20), else 0.
enum class TrapKind : std::uint8_t {
    SetWay = 0,
    VmRegister = 1,
    Stage2Fault = 2,
    Smccc = 3,
    Mmio = 4,
    Undefined = 5,
    SystemRegister = 6
};
// The ISS of a trapped MSR, MRS or system instruction (Arm ARM D17.2.37, EC 0x18) without Rt: Op0 [21:20],
// Op2 [19:17], Op1 [16:14], CRn [13:10], CRm [4:1], Direction [0] (1: a read).
constexpr std::uint32_t systemRegisterIss(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, bool read)
{
    return (op0 & 3u) << 20 | (op2 & 7u) << 17 | (op1 & 7u) << 14 | (crn & 15u) << 10 | (crm & 15u) << 1 |
           (read ? 1u : 0u);
}
constexpr std::uint32_t kStage2FaultInstructionFetch = 1;
enum class FlushReason : std::uint8_t { SetWay = 0, CachesOn = 1, CachesOff = 2, Fault = 3 };
enum class VcpuStopReason : std::uint8_t { SliceEnd = 0, Yield = 1, Exit = 2, Fault = 3, Hypervisor = 4, Preempted = 5, PoweredOff = 6, WaitForInterrupt = 7 };
enum class ValueSourceKind : std::uint8_t { Ram = 0, L1 = 1, L2 = 2, SystemCache = 3, Nowhere = 4 };
enum class AgentRole : std::uint8_t { Vcpu = 0, Hypervisor = 1, Toolstack = 2, Device = 3 };
// DC instructions: by address 0-4 in memory::ByAddressOp order, by set/way 5-7 in memory::SetWayOp order.
enum class MaintenanceOp : std::uint8_t {
    DcCvac = 0,
    DcCivac = 1,
    DcIvac = 2,
    DcCvau = 3,
    DcZva = 4,
    DcIsw = 5,
    DcCsw = 6,
    DcCisw = 7,
};

struct RunConfiguration {
    std::string scenario;       // scenario name
    std::string scenarioText;   // the scenario file's text, so the run can be replayed from the trace
    std::string policy;
    std::string knobs;          // "k=v,k=v"
    std::string overrides;      // --set assignments, "k=v;k=v"
    std::string vcmVersion;
    std::string guests;         // "program=sha256:HEX;..." for every guest image, in VM order
    std::uint64_t seed = 0;
    std::uint32_t clusters = 0;
    std::uint32_t coresPerCluster = 0;
    std::uint32_t lineBytes = 0;
    std::uint64_t l1Bytes = 0;
    std::uint32_t l1Ways = 0;
    std::uint64_t l2Bytes = 0;
    std::uint32_t l2Ways = 0;
    std::uint64_t systemCacheBytes = 0;
    std::uint32_t systemCacheWays = 0;
    std::uint64_t coreMHz = 0;
};

// The coherence oracle's reports, as traced (vcm:stale_read, vcm:clobber in docs/events.md). Times are
// virtual nanoseconds.
struct StaleReadEvent {
    std::uint64_t vtimeNs = 0;
    std::uint32_t agent = 0;
    std::int32_t core = -1;              // -1: the reader has no core
    std::uint64_t address = 0;           // first stale 8-byte word
    std::uint32_t staleWords = 0;
    std::uint64_t versionReturned = 0;
    std::uint64_t latestVersion = 0;
    std::uint32_t latestWriter = 0;      // the agent whose write the read missed
    std::uint64_t latestWriteNs = 0;     // when that write was made
    ValueSourceKind source = ValueSourceKind::Ram;
    std::uint32_t sourceInstance = 0;
    ValueSourceKind latestHeldIn = ValueSourceKind::Nowhere;
    std::uint32_t heldInstance = 0;
};

struct ClobberEvent {
    std::uint64_t vtimeNs = 0;
    std::uint64_t address = 0;           // first clobbered word
    std::uint32_t words = 0;
    ValueSourceKind origin = ValueSourceKind::L1; // the cache whose write-back destroyed the newer data
    std::uint32_t originInstance = 0;
    std::uint64_t lineVersion = 0;
    std::uint64_t overwrittenVersion = 0;
    // The destroyed write, when the oracle still knows it (it was the word's latest write).
    bool overwrittenWriteKnown = false;
    std::uint32_t overwrittenWriter = 0;
    std::uint64_t overwrittenWriteNs = 0;
    std::string cause;
};

// Set/way traps of one vCPU on one core in a row, as one trace event (vcm:setway_trap_batch). A guest's set/way loop
// traps once per instruction (hundreds of thousands per run): one LTTng event per trap would cost more than the
// simulation of the trap, so SetWayTrapRecorder codes them as they happen (setway_trap_code.h) and a batch is the
// code of up to kMaximumSetWayTraps of them. decodeSetWayTraps() gives the traps back. The spans point into the
// storage of whoever passes the batch on and are valid during the call only.
struct SetWayTrapBatch {
    std::uint32_t vm = 0;
    std::uint32_t vcpu = 0;
    std::uint32_t core = 0;
    std::uint32_t coreMHz = 0;         // converts the cycle counts to the virtual ns every other event carries
    std::uint32_t count = 0;           // traps, at least 1
    std::uint64_t firstCycles = 0;     // the core's cycle count at the first trap
    std::uint64_t lastCycles = 0;      // and at the last
    std::uint8_t firstOp = 0;          // the first trap's op (as TrapKind::SetWay's detail: memory::SetWayOp)
    std::uint64_t firstOperand = 0;    // its raw operand
    std::span<const std::uint8_t> codes;    // one four-bit code per trap after the first, low nibble first
    std::span<const std::uint8_t> literals; // the steps the codes 15 stand for, in order
    // Virtual ns as Vcpu::nowNs computes them from the core's cycles.
    std::uint64_t nanoseconds(std::uint64_t cycles) const { return cycles * 1000 / coreMHz; }
};
// Traps per batch: the codes of 4,095 traps after the first fill 2 KiB, so a batch with its literals stays below
// the smallest sub-buffer a session is given (4 KiB: the lost-events test's) and a discarded batch loses little.
constexpr std::uint32_t kMaximumSetWayTraps = 4096;
// Literal bytes per batch: one literal (up to kMaximumSetWayLiteralBytes) more than this and the batch ends.
constexpr std::size_t kMaximumSetWayLiteralStream = 1024;

class SetWayTrapRecorder;

class EventSink {
public:
    virtual ~EventSink() = default;

    virtual void runConfiguration(const RunConfiguration&) {}
    virtual void runEnd(std::uint64_t /*vtimeNs*/, std::uint64_t /*instructions*/) {}
    // A memory-system agent (whatever reads, writes and maintains memory) was created; ids are the
    // `agent` fields of the coherence and maintenance events. core < 0: the agent has no core.
    virtual void agent(std::uint32_t /*id*/, AgentRole, const std::string& /*name*/, std::int32_t /*core*/) {}
    virtual void vcpuCreate(std::uint32_t /*vm*/, std::uint32_t /*vcpu*/, std::uint32_t /*agent*/,
                            std::uint32_t /*core*/, const std::string& /*vm name*/, const std::string& /*name*/)
    {
    }

    // Scheduling.
    virtual void vcpuRun(std::uint64_t, std::uint32_t /*vm*/, std::uint32_t /*vcpu*/, std::uint32_t /*core*/) {}
    virtual void vcpuStop(std::uint64_t, std::uint32_t, std::uint32_t, std::uint32_t, VcpuStopReason,
                          std::uint64_t /*instructions*/)
    {
    }
    virtual void vcpuMigrate(std::uint64_t, std::uint32_t, std::uint32_t, std::uint32_t /*from*/, std::uint32_t /*to*/)
    {
    }
    virtual void timerTick(std::uint64_t, std::uint32_t /*core*/) {}
    // `count` (2 or more) ticks of one core in a row, `periodCycles` apart from the first at `firstCycles` (virtual
    // ns = cycles * 1000 / coreMHz): what a core owes after a long stretch without a tick check, as one event
    // (vcm:timer_ticks). By default each is passed on as timerTick().
    virtual void timerTicks(std::uint32_t core, std::uint64_t firstCycles, std::uint64_t periodCycles,
                            std::uint32_t count, std::uint32_t coreMHz)
    {
        const TimerTicks ticks{core, coreMHz, firstCycles, periodCycles, count};
        for (std::uint64_t k = 0; k < count; ++k)
            timerTick(ticks.nanoseconds(k), core);
    }

    // Traps and guest state.
    virtual void trap(std::uint64_t, std::uint32_t /*vm*/, std::uint32_t /*vcpu*/, std::uint32_t /*core*/, TrapKind,
                      std::uint32_t /*detail: set/way op or register id*/, std::uint64_t /*operand or IPA*/,
                      std::uint64_t /*old value*/, std::uint64_t /*new value*/)
    {
    }
    virtual void setWayTraps(const SetWayTrapBatch&) {}
    // Where the vCPU records its set/way traps instead of calling trap() for each (TrapBatchingSink's recorder),
    // or nothing: then each is a trap() call. Each vCPU asks once, when it is created.
    virtual SetWayTrapRecorder* setWayTrapRecorder() { return nullptr; }
    virtual void sctlrChange(std::uint64_t, std::uint32_t, std::uint32_t, std::uint64_t /*old*/, std::uint64_t /*new*/) {}
    virtual void tvmChange(std::uint64_t, std::uint32_t, std::uint32_t, bool /*armed*/) {}
    virtual void console(std::uint64_t, std::uint32_t, std::uint32_t, const std::string&) {}
    virtual void marker(std::uint64_t, std::uint32_t, std::uint32_t, const std::string&) {}

    // Flushes.
    virtual void flushRequest(std::uint64_t, std::uint32_t /*vm*/, std::uint32_t /*vcpu*/, std::uint32_t /*flush id*/,
                              FlushReason)
    {
    }
    virtual void flushSegment(std::uint64_t /*start ns*/, std::uint64_t /*end ns*/, std::uint32_t /*vm*/,
                              std::uint32_t /*core*/, std::uint32_t /*flush id*/, std::uint64_t /*pages*/,
                              std::uint64_t /*regions skipped*/, bool /*finished*/, std::uint64_t /*resume gfn*/,
                              std::uint64_t /*unpreempted delay ns*/)
    {
    }

    // Data-cache maintenance executed (not trapped): one event per DC instruction, or per range a
    // toolstack or a per-page policy cleans. address: the first byte (by address) or the raw operand (set/way).
    virtual void maintenance(std::uint64_t, std::uint32_t /*agent*/, std::int32_t /*core or -1*/, MaintenanceOp,
                             std::uint64_t /*address or operand*/, std::uint64_t /*bytes*/,
                             std::uint64_t /*lines cleaned*/, std::uint64_t /*lines invalidated*/,
                             std::uint64_t /*dirty discarded*/)
    {
    }

    // Coherence oracle.
    virtual void staleRead(const StaleReadEvent&) {}
    virtual void clobber(const ClobberEvent&) {}
    virtual void staleWindowOpen(std::uint64_t, std::uint64_t /*page*/, const std::string& /*observers*/,
                                 const std::string& /*cause*/)
    {
    }
    virtual void staleWindowClose(std::uint64_t, std::uint64_t /*page*/, const std::string& /*resolved by*/) {}

    // Toolstack.
    virtual void toolstackWrite(std::uint64_t, std::uint32_t /*vm*/, std::uint32_t /*core*/, std::uint32_t /*mode*/,
                                std::uint64_t /*ipa*/, std::uint64_t /*bytes*/)
    {
    }
};

} // namespace vcm::tracer

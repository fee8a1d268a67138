// The Arm memory system that every guest, hypervisor, toolstack and device access goes through.
//
// Per-core L1 data caches, a per-cluster L2, a system cache shared by all clusters (beyond the PoU,
// before the PoC) and RAM as the PoC. Lines hold their bytes and a version per 8-byte word; beside
// them the coherence oracle holds the architecturally latest value and version of every word, and
// reports stale reads, clobbers and stale-data windows to a CoherenceListener.
//
// Coherence among caches (for Normal cacheable accesses) follows a MOESI-like discipline:
//  - at most one cache holds a line dirty (its owner); a read may be served by the owner, which stays
//    the owner while the reader gets a clean copy;
//  - a write-back write takes ownership: copies in other cores' L1s and other clusters' L2s are
//    invalidated, and a dirty copy below the writer (its cluster L2, the system cache) hands over
//    ownership and stays as a clean, older copy;
//  - a read that misses in L1 is served from the dirty owner if there is one, else the own L2, else any
//    other cache holding the line, else the system cache, else RAM; it fills L1 and the own L2;
//  - dirty victims go one level down: L1 -> cluster L2 -> system cache -> RAM. L2 victims, clean or
//    dirty, are allocated in the system cache (it behaves as a victim cache of the L2s).
//
// Non-cacheable and Device accesses read and write RAM directly and never look up the caches. That is
// the assumption Xen and KVM design their cache maintenance around (KVM 9d218a1fcf4c: "all the writes
// are directly going to RAM, bypassing the caches altogether"); the Arm ARM (B2.11) only calls
// mismatched attributes a loss of coherency, which is exactly the hazard this model exists to show.
//
// Virtual time: each core has a cycle counter, advanced by the cost of the accesses and maintenance
// it issues (CostModel). Agents without a core (devices) use the system clock, which the machine sets.
#pragma once

#include "vcm/hyp/memory/cache_geometry.h"
#include "vcm/hyp/memory/coherence_listener.h"
#include "vcm/hyp/memory/word_inspection.h"
#include "vcm/hyp/memory/cost_model.h"
#include "vcm/hyp/memory/maintenance.h"
#include "vcm/hyp/memory/memory_types.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vcm::hyp::memory {

using ObserverId = std::uint32_t;

struct AgentInfo {
    AgentKind kind = AgentKind::Vcpu;
    std::string name;
    std::optional<CoreId> core; // the physical core it runs on now; none for a device
};

struct AccessResult {
    Cycles cost = 0;
    ValueSource source;          // for reads: where the first byte came from
    bool stale = false;          // for reads: the oracle reported a stale read
};

// A copy of one line somewhere in the machine, for inspection (tests, replay --inspect).
struct LineCopy {
    CacheLocation where;
    bool dirty = false;
    std::vector<std::uint8_t> data;
    std::vector<Version> versions;
};

struct WordState {
    std::uint64_t value = 0; // little-endian 8-byte word
    Version version = 0;
    AgentId writer = 0;      // oracle only
};

class MemorySystem {
public:
    // Throws GeometryError if the topology is invalid.
    explicit MemorySystem(const MachineTopology& topology, const CostModel& costs = {});
    ~MemorySystem();
    MemorySystem(const MemorySystem&) = delete;
    MemorySystem& operator=(const MemorySystem&) = delete;

    const MachineTopology& topology() const;
    const CostModel& costs() const;
    // The listener receives every record from now on; agents added before are reported to it at once.
    void setListener(CoherenceListener* listener);
    // While paused (nesting allowed), maintenance is performed but not reported (see MaintenanceReport).
    void pauseMaintenanceReports();
    void resumeMaintenanceReports();

    AgentId addAgent(AgentInfo info);
    const AgentInfo& agent(AgentId id) const;
    // A vCPU migrates: its later accesses and maintenance use the caches of `core`.
    void moveAgent(AgentId id, CoreId core);

    // Accesses may have any size and alignment; they are split at line boundaries. The bytes read are
    // the bytes the model holds where the access is served: possibly stale, which the oracle reports.
    AccessResult read(AgentId agent, PhysAddr address, std::span<std::uint8_t> out, MemoryType type);
    AccessResult write(AgentId agent, PhysAddr address, std::span<const std::uint8_t> bytes, MemoryType type);

    // One DC instruction by address on the line containing `address`. `type` is the memory type of the
    // address for the issuing agent; only DC ZVA uses it (the zeroing is a write of that type).
    MaintenanceResult maintainByAddress(AgentId agent, ByAddressOp op, PhysAddr address,
                                        MemoryType type = MemoryType::NormalWriteBack);
    // The same instruction issued for every line of [base, base + length): what a full-guest flush or
    // a clean of a range does. Host time is proportional to the lines actually cached in the range
    // (plus the pages holding them); the modelled cost is that of issuing every line's instruction.
    // DC ZVA is not accepted here (it is a write; use write()).
    MaintenanceResult maintainRange(AgentId agent, ByAddressOp op, PhysAddr base, std::uint64_t length);
    // DC ISW/CSW/CISW with the raw operand register, on the issuing agent's core only.
    MaintenanceResult maintainBySetWay(AgentId agent, SetWayOp op, std::uint64_t operand);

    // A speculative allocation (Arm ARM D7.5.1): brings a clean copy of the line into `core`'s L1 and
    // cluster L2 as a read would, without a cost or an oracle check. The caller (SpeculationEngine)
    // decides which lines are eligible: those mapped Normal cacheable for some agent on that core.
    void speculativeFill(CoreId core, PhysAddr address);

    // Cache-bypassing observers, for stale-data windows over their range.
    ObserverId addBypassObserver(std::string name, PhysAddr base, std::uint64_t length);
    void removeBypassObserver(ObserverId id);
    bool staleWindowOpen(PhysAddr address) const;

    // Every copy of the word at `address` (rounded down to 8 bytes) and what RAM and the oracle hold. A
    // read-only look: no cost, no oracle check, no replacement-state update.
    WordInspection inspectWord(PhysAddr address) const;

    Cycles coreTime(CoreId core) const;
    // The counter coreTime() reads, to be read without a call (the vCPU's set/way trap recorder reads it at every
    // trap). It lives as long as the MemorySystem: the cores are fixed at construction.
    const Cycles& coreClock(CoreId core) const;
    void advanceCore(CoreId core, Cycles cycles);
    // advanceCore on the core `agent` runs on now (it must have one): what a vCPU does before every access.
    void advanceAgentCore(AgentId agent, Cycles cycles);
    Cycles systemTime() const;
    void setSystemTime(Cycles now);

    // What RAM (the PoC) holds, without an access: no cost, no cache lookup, no report. This is what an
    // instruction fetch with the MMU off sees (Normal non-cacheable, D8.2.12.1); the model has no I-cache.
    void peekRam(PhysAddr address, std::span<std::uint8_t> out) const;

    // Inspection.
    std::vector<LineCopy> copiesOf(PhysAddr address) const;
    WordState ramWord(PhysAddr address) const;
    WordState latestWord(PhysAddr address) const;
    std::uint64_t cachedLines() const;      // valid lines over all caches
    std::uint64_t touchedRamPages() const;  // host memory spent on RAM
    Version latestVersion() const;          // the last version handed out

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

// Pauses maintenance reports for a scope: a full-guest flush, traced as its segments.
class MaintenanceReportPause {
public:
    explicit MaintenanceReportPause(MemorySystem& memory) : m_memory(memory) { m_memory.pauseMaintenanceReports(); }
    ~MaintenanceReportPause() { m_memory.resumeMaintenanceReports(); }
    MaintenanceReportPause(const MaintenanceReportPause&) = delete;
    MaintenanceReportPause& operator=(const MaintenanceReportPause&) = delete;

private:
    MemorySystem& m_memory;
};

} // namespace vcm::hyp::memory

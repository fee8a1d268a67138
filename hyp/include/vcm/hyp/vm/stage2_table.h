// A VM's stage-2 translation table: a real multi-level tree mapping guest frames (IPA) to machine frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace vcm::hyp::vm {

using Gfn = std::uint64_t; // guest frame number: IPA >> 12
using Mfn = std::uint64_t; // machine frame number: PA >> 12

enum class Stage2Type : std::uint8_t { Ram, Mmio };

// One leaf descriptor (a block at level 1 or 2, a page at level 3), or the part of one that a walk visits.
struct Stage2Entry {
    Gfn gfn = 0; // first guest frame described
    Mfn mfn = 0; // machine frame backing `gfn`
    Stage2Type type = Stage2Type::Ram;
    bool valid = false;      // the hardware valid bit; false = mapped but the next access faults
    unsigned level = 3;      // 1 (1 GiB block), 2 (2 MiB block) or 3 (4 KiB page)
    std::uint64_t pages = 0; // number of frames described, from `gfn` on
};

enum class WalkAction : std::uint8_t { Continue, Stop };

// Whether a walk hands mapped-but-invalid leaves to the visitor.
enum class WalkFilter : std::uint8_t {
    ValidOnly, // invalid leaves are counted in WalkResult::invalidSkipped, not visited
    AllMapped, // every mapped leaf is visited, valid or not
};

struct WalkResult {
    Gfn resumeAt = 0;                  // first gfn not processed: the end of the leaf that stopped, else `end`
    std::uint64_t leavesVisited = 0;   // visitor calls
    std::uint64_t invalidSkipped = 0;  // invalid leaves passed over under WalkFilter::ValidOnly
    std::uint64_t unmappedSkipped = 0; // runs of empty entries passed over, one step each (see walk())
    bool stopped = false;              // the visitor returned WalkAction::Stop
};

// The stage-2 tree of one VM, shaped like the tables the MMU walks for a 39-bit IPA with a 4 KiB granule
// (Arm ARM D8, VMSAv8-64 translation table format: VTCR_EL2.T0SZ = 25, start level 1): level-1 entries map
// 1 GiB, level-2 entries 2 MiB, level-3 entries 4 KiB, 512 entries per table. An entry is empty, a table
// descriptor, a block (levels 1 and 2) or a page (level 3). This is the structure Xen's p2m and KVM's
// stage-2 code keep, so maintenance that walks it (a full-guest flush, access tracking) pays the costs
// those hypervisors pay: per leaf visited and per empty region skipped, not per guest frame.
//
// Invariants:
//  - the root (level-1) table always exists; every other table is allocated when a mapping first needs it
//    and freed as soon as it holds no entry, so memory is proportional to the tables in use, never to the
//    IPA space (64 GiB mapped with 1 GiB blocks is the root alone);
//  - "mapped" and "valid" are distinct: like Xen's p2m access tracking, a leaf can have its valid bit
//    cleared while keeping its mfn and type, so the guest's next access faults and the hypervisor can
//    record the touch and set the bit again;
//  - blocks are never created implicitly by merging pages; a block is split into a next-level table
//    (with the same mfns, type and valid bit) whenever an operation covers only part of it.
class Stage2Table {
public:
    static constexpr unsigned kIpaBits = 39;
    static constexpr unsigned kPageShift = 12;
    static constexpr unsigned kPaBits = 48; // output address bits [47:12] of a descriptor (no 52-bit LPA)
    static constexpr Gfn kGfnLimit = Gfn{1} << (kIpaBits - kPageShift); // first gfn beyond the IPA space
    static constexpr Mfn kMfnLimit = Mfn{1} << (kPaBits - kPageShift);  // first mfn beyond the PA space
    static constexpr std::size_t kEntriesPerTable = 512;
    static constexpr unsigned kRootLevel = 1;
    static constexpr unsigned kLeafLevel = 3;

    // Frames one entry of `level` (1..3) covers: 262144, 512 or 1.
    static constexpr std::uint64_t pagesAtLevel(unsigned level) { return std::uint64_t{1} << (9 * (3 - level)); }

    using Visitor = std::function<WalkAction(const Stage2Entry&)>;

    Stage2Table();
    ~Stage2Table();
    // A moved-from table may only be destroyed or assigned to.
    Stage2Table(Stage2Table&&) noexcept;
    Stage2Table& operator=(Stage2Table&&) noexcept;
    Stage2Table(const Stage2Table&) = delete;
    Stage2Table& operator=(const Stage2Table&) = delete;

    // Maps [gfn, gfn + pages) to [mfn, mfn + pages) as valid leaves of `type`, replacing whatever was
    // mapped there (the part of a replaced block outside the range keeps its mapping). With allowBlocks,
    // every 1 GiB or 2 MiB stretch whose gfn and mfn are both block-aligned becomes one block entry.
    // Throws std::invalid_argument for pages == 0, std::out_of_range beyond the IPA or PA space.
    void map(Gfn gfn, Mfn mfn, std::uint64_t pages, Stage2Type type, bool allowBlocks = true);

    // Removes every mapping in [gfn, gfn + pages); unmapped frames in the range are ignored. Blocks are
    // split as needed; tables left empty are freed. Same argument checks as map().
    void unmap(Gfn gfn, std::uint64_t pages);

    // Sets the valid bit of every mapped frame in [gfn, gfn + pages), splitting blocks that straddle the
    // range so that no frame outside it changes; unmapped frames are ignored. Same checks as unmap().
    void setValid(Gfn gfn, std::uint64_t pages, bool valid);

    // The leaf containing gfn, valid or not, exactly as stored: for a block, gfn/mfn are the block's first
    // frames and pages its size. nullopt if gfn is unmapped or outside the IPA space.
    std::optional<Stage2Entry> lookup(Gfn gfn) const;

    // The machine frame backing gfn, only if gfn is mapped and its leaf is valid (what the MMU would use).
    std::optional<Mfn> translate(Gfn gfn) const;

    // Calls `visitor` in increasing gfn order for every mapped leaf overlapping [start, end), each clipped
    // to the range: gfn/mfn/pages describe exactly the frames of the range the leaf maps, level says where
    // it is stored. Empty entries are skipped at the highest level that is empty, and a run of consecutive
    // empty entries in one table is found from the table's occupancy bitmap and skipped in one step
    // (counted once in unmappedSkipped), so a sparse guest costs a few steps per gigabyte, not per frame.
    // When the visitor returns Stop, the walk ends and resumeAt is the frame after the visited part of that
    // leaf: walking again from resumeAt continues without repeating or missing a frame (Xen's preemptible
    // p2m_cache_flush_range restarts the same way).
    // Throws std::invalid_argument if start > end, std::out_of_range if end is beyond the IPA space.
    WalkResult walk(Gfn start, Gfn end, WalkFilter filter, const Visitor& visitor) const;

    std::uint64_t mappedPages() const { return m_mappedPages; }
    // Table nodes allocated, the root included: 1 for an empty tree.
    std::size_t tableCount() const { return m_tableCount; }
    // Incremented by every map, unmap and setValid: lets translation caches (the vCPU's) know they are stale.
    std::uint64_t generation() const { return m_generation; }
    // Incremented by every unmap and setValid(false): the changes after which EL2 must invalidate the VM's TLB
    // entries before the guest runs on (Xen's p2m_force_tlb_flush_sync, KVM's kvm_tlb_flush_vmid_ipa), which
    // drops cached stage-1 walks too, as hardware TLBs cache combined stage 1+2 translations.
    std::uint64_t removals() const { return m_removals; }

private:
    struct Table; // defined in stage2_table.cpp
    struct Entry;

    struct Range {
        Gfn start;
        Gfn end; // exclusive
    };

    void mapIn(Table& table, unsigned level, Gfn base, Range range, Mfn mfnAtStart, Stage2Type type, bool allowBlocks);
    void unmapIn(Table& table, unsigned level, Gfn base, Range range);
    void setValidIn(Table& table, unsigned level, Gfn base, Range range, bool valid);
    bool walkIn(const Table& table, unsigned level, Gfn base, Range range, WalkFilter filter, const Visitor& visitor,
                WalkResult& result) const;

    // Turns the block in `entry` (at `level`) into a next-level table describing the same frames.
    void splitBlock(Entry& entry, unsigned level);
    // Empties `entry` of `table`, freeing any tables below it and forgetting the frames it mapped.
    void release(Table& table, std::size_t index, unsigned level);

    std::unique_ptr<Table> m_root;
    std::uint64_t m_mappedPages = 0;
    std::size_t m_tableCount = 1;
    std::uint64_t m_generation = 0;
    std::uint64_t m_removals = 0;
};

} // namespace vcm::hyp::vm

// The stage-2 tree: on-demand tables, block splitting, freeing of empty tables and the ordered walk.
#include "vcm/hyp/vm/stage2_table.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>
#include <utility>

namespace vcm::hyp::vm {

namespace {

enum class EntryKind : std::uint8_t { Empty, Table, Block, Page };

// Index of the entry of a `level` table whose region contains gfn.
std::size_t indexAt(Gfn gfn, Gfn tableBase, unsigned level)
{
    return static_cast<std::size_t>((gfn - tableBase) / Stage2Table::pagesAtLevel(level));
}

// A descriptor covering frames [entryBase, entryBase + size) lies wholly inside `range`.
bool covers(Gfn start, Gfn end, Gfn entryBase, std::uint64_t size)
{
    return start <= entryBase && entryBase + size <= end;
}

} // namespace

// One descriptor. The hardware packs kind, output address and attributes into 64 bits (Arm ARM D8,
// table/block/page descriptor formats); the model keeps them as fields, and a table descriptor owns the
// next-level table instead of holding its physical address.
struct Stage2Table::Entry {
    EntryKind kind = EntryKind::Empty;
    Stage2Type type = Stage2Type::Ram;
    bool valid = false;           // leaf only: descriptor bit[0]
    Mfn mfn = 0;                  // leaf only: the output address of the first frame
    std::unique_ptr<Table> table; // table descriptor only
};

// 512 descriptors and a bitmap of the non-empty ones. The bitmap is what lets the walk jump over a run of
// empty entries in one step and lets unmap notice, without scanning, that a table has become empty.
struct Stage2Table::Table {
    std::array<Entry, kEntriesPerTable> entries;
    std::array<std::uint64_t, kEntriesPerTable / 64> used{};

    bool empty() const
    {
        return std::all_of(used.begin(), used.end(), [](std::uint64_t word) { return word == 0; });
    }

    void markUsed(std::size_t index) { used[index / 64] |= std::uint64_t{1} << (index % 64); }
    void markEmpty(std::size_t index) { used[index / 64] &= ~(std::uint64_t{1} << (index % 64)); }

    // The first non-empty entry at or after `index`, or kEntriesPerTable if there is none.
    std::size_t nextUsed(std::size_t index) const
    {
        std::size_t word = index / 64;
        if (word >= used.size())
            return kEntriesPerTable;
        std::uint64_t bits = used[word] & (~std::uint64_t{0} << (index % 64));
        while (bits == 0) {
            if (++word == used.size())
                return kEntriesPerTable;
            bits = used[word];
        }
        return word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
    }
};

namespace {

// The checks map, unmap and setValid share: a non-empty range wholly inside the IPA space.
void checkGfnRange(const char* operation, Gfn gfn, std::uint64_t pages)
{
    if (pages == 0)
        throw std::invalid_argument(
            fmt::format("stage-2 {}: empty range at gfn {:#x} (pages must be >= 1)", operation, gfn));
    if (gfn >= Stage2Table::kGfnLimit || pages > Stage2Table::kGfnLimit - gfn)
        throw std::out_of_range(
            fmt::format("stage-2 {}: gfn {:#x} + {:#x} pages exceeds the {}-bit IPA space (gfn limit {:#x})", operation,
                        gfn, pages, Stage2Table::kIpaBits, Stage2Table::kGfnLimit));
}

} // namespace

Stage2Table::Stage2Table() : m_root(std::make_unique<Table>())
{}
Stage2Table::~Stage2Table() = default;
Stage2Table::Stage2Table(Stage2Table&&) noexcept = default;
Stage2Table& Stage2Table::operator=(Stage2Table&&) noexcept = default;

void Stage2Table::map(Gfn gfn, Mfn mfn, std::uint64_t pages, Stage2Type type, bool allowBlocks)
{
    checkGfnRange("map", gfn, pages);
    ++m_generation;
    if (mfn >= kMfnLimit || pages > kMfnLimit - mfn)
        throw std::out_of_range(fmt::format(
            "stage-2 map: gfn {:#x} to mfn {:#x} + {:#x} pages exceeds the {}-bit PA space (mfn limit {:#x})", gfn, mfn,
            pages, kPaBits, kMfnLimit));
    mapIn(*m_root, kRootLevel, 0, {gfn, gfn + pages}, mfn, type, allowBlocks);
}

void Stage2Table::mapIn(Table& table, unsigned level, Gfn base, Range range, Mfn mfnAtStart, Stage2Type type,
                        bool allowBlocks)
{
    const std::uint64_t size = pagesAtLevel(level);
    const std::size_t last = indexAt(range.end - 1, base, level);
    for (std::size_t index = indexAt(range.start, base, level); index <= last; ++index) {
        Entry& entry = table.entries[index];
        const Gfn entryBase = base + index * size;
        const Gfn start = std::max(range.start, entryBase);
        const Gfn end = std::min(range.end, entryBase + size);
        const Mfn mfn = mfnAtStart + (start - range.start);

        // A leaf here needs the whole entry covered and, for a block, an output address aligned to its size
        // (the descriptor has no bits below the block size for it, Arm ARM D8 block descriptor format).
        const bool leafHere =
            level == kLeafLevel || (allowBlocks && covers(range.start, range.end, entryBase, size) && mfn % size == 0);
        if (leafHere) {
            if (entry.kind != EntryKind::Empty)
                release(table, index, level); // replaced: free what was below, forget what was mapped
            entry.kind = level == kLeafLevel ? EntryKind::Page : EntryKind::Block;
            entry.type = type;
            entry.valid = true;
            entry.mfn = mfn;
            table.markUsed(index);
            m_mappedPages += size;
            continue;
        }

        if (entry.kind == EntryKind::Empty) {
            entry.kind = EntryKind::Table;
            entry.table = std::make_unique<Table>();
            table.markUsed(index);
            ++m_tableCount;
        } else if (entry.kind == EntryKind::Block) {
            splitBlock(entry, level); // the part of the block outside the range keeps its mapping
        }
        mapIn(*entry.table, level + 1, entryBase, {start, end}, mfn, type, allowBlocks);
    }
}

void Stage2Table::unmap(Gfn gfn, std::uint64_t pages)
{
    checkGfnRange("unmap", gfn, pages);
    ++m_generation;
    ++m_removals;
    unmapIn(*m_root, kRootLevel, 0, {gfn, gfn + pages});
}

void Stage2Table::unmapIn(Table& table, unsigned level, Gfn base, Range range)
{
    const std::uint64_t size = pagesAtLevel(level);
    const std::size_t last = indexAt(range.end - 1, base, level);
    for (std::size_t index = table.nextUsed(indexAt(range.start, base, level)); index <= last;
         index = table.nextUsed(index + 1)) {
        Entry& entry = table.entries[index];
        const Gfn entryBase = base + index * size;
        if (covers(range.start, range.end, entryBase, size)) {
            release(table, index, level);
            continue;
        }
        if (entry.kind == EntryKind::Block)
            splitBlock(entry, level);
        unmapIn(*entry.table, level + 1, entryBase,
                {std::max(range.start, entryBase), std::min(range.end, entryBase + size)});
        if (entry.table->empty())
            release(table, index, level); // KVM and Xen both free a table once its last entry goes
    }
}

void Stage2Table::setValid(Gfn gfn, std::uint64_t pages, bool valid)
{
    checkGfnRange("setValid", gfn, pages);
    ++m_generation;
    if (!valid)
        ++m_removals;
    setValidIn(*m_root, kRootLevel, 0, {gfn, gfn + pages}, valid);
}

void Stage2Table::setValidIn(Table& table, unsigned level, Gfn base, Range range, bool valid)
{
    const std::uint64_t size = pagesAtLevel(level);
    const std::size_t last = indexAt(range.end - 1, base, level);
    for (std::size_t index = table.nextUsed(indexAt(range.start, base, level)); index <= last;
         index = table.nextUsed(index + 1)) {
        Entry& entry = table.entries[index];
        const Gfn entryBase = base + index * size;
        if (entry.kind != EntryKind::Table) {
            if (covers(range.start, range.end, entryBase, size)) {
                entry.valid = valid;
                continue;
            }
            splitBlock(entry, level); // only the requested frames may change state
        }
        setValidIn(*entry.table, level + 1, entryBase,
                   {std::max(range.start, entryBase), std::min(range.end, entryBase + size)}, valid);
    }
}

std::optional<Stage2Entry> Stage2Table::lookup(Gfn gfn) const
{
    if (gfn >= kGfnLimit)
        return std::nullopt;
    const Table* table = m_root.get();
    Gfn base = 0;
    for (unsigned level = kRootLevel; level <= kLeafLevel; ++level) {
        const std::size_t index = indexAt(gfn, base, level);
        const Entry& entry = table->entries[index];
        base += index * pagesAtLevel(level);
        switch (entry.kind) {
        case EntryKind::Empty:
            return std::nullopt;
        case EntryKind::Table:
            table = entry.table.get();
            break;
        case EntryKind::Block:
        case EntryKind::Page:
            return Stage2Entry{base, entry.mfn, entry.type, entry.valid, level, pagesAtLevel(level)};
        }
    }
    return std::nullopt; // unreachable: level 3 holds only pages or nothing
}

std::optional<Mfn> Stage2Table::translate(Gfn gfn) const
{
    const std::optional<Stage2Entry> leaf = lookup(gfn);
    if (!leaf || !leaf->valid)
        return std::nullopt;
    return leaf->mfn + (gfn - leaf->gfn);
}

WalkResult Stage2Table::walk(Gfn start, Gfn end, WalkFilter filter, const Visitor& visitor) const
{
    if (start > end)
        throw std::invalid_argument(fmt::format("stage-2 walk: start gfn {:#x} is after end gfn {:#x}", start, end));
    if (end > kGfnLimit)
        throw std::out_of_range(fmt::format(
            "stage-2 walk: end gfn {:#x} exceeds the {}-bit IPA space (gfn limit {:#x})", end, kIpaBits, kGfnLimit));
    WalkResult result;
    result.resumeAt = end;
    if (start != end)
        walkIn(*m_root, kRootLevel, 0, {start, end}, filter, visitor, result);
    return result;
}

bool Stage2Table::walkIn(const Table& table, unsigned level, Gfn base, Range range, WalkFilter filter,
                         const Visitor& visitor, WalkResult& result) const
{
    const std::uint64_t size = pagesAtLevel(level);
    const std::size_t last = indexAt(range.end - 1, base, level);
    std::size_t index = indexAt(range.start, base, level);
    while (index <= last) {
        const std::size_t next = table.nextUsed(index);
        if (next != index) {
            ++result.unmappedSkipped; // the whole run [index, next) at once, as its highest empty level
            if (next > last)
                return false;
            index = next;
        }
        const Entry& entry = table.entries[index];
        const Gfn entryBase = base + index * size;
        const Gfn start = std::max(range.start, entryBase);
        const Gfn end = std::min(range.end, entryBase + size);
        if (entry.kind == EntryKind::Table) {
            if (walkIn(*entry.table, level + 1, entryBase, {start, end}, filter, visitor, result))
                return true;
        } else if (!entry.valid && filter == WalkFilter::ValidOnly) {
            ++result.invalidSkipped;
        } else {
            ++result.leavesVisited;
            const Stage2Entry leaf{start, entry.mfn + (start - entryBase), entry.type, entry.valid, level, end - start};
            if (visitor(leaf) == WalkAction::Stop) {
                result.stopped = true;
                result.resumeAt = end;
                return true;
            }
        }
        ++index;
    }
    return false;
}

void Stage2Table::splitBlock(Entry& entry, unsigned level)
{
    // Break-before-make is the hardware's concern (Arm ARM D8, changing block size); the model only has to
    // describe the same frames one level down.
    const unsigned childLevel = level + 1;
    const std::uint64_t childSize = pagesAtLevel(childLevel);
    auto child = std::make_unique<Table>();
    for (std::size_t index = 0; index < kEntriesPerTable; ++index) {
        Entry& childEntry = child->entries[index];
        childEntry.kind = childLevel == kLeafLevel ? EntryKind::Page : EntryKind::Block;
        childEntry.type = entry.type;
        childEntry.valid = entry.valid;
        childEntry.mfn = entry.mfn + index * childSize;
    }
    child->used.fill(~std::uint64_t{0});
    entry.kind = EntryKind::Table;
    entry.table = std::move(child);
    ++m_tableCount;
}

void Stage2Table::release(Table& table, std::size_t index, unsigned level)
{
    Entry& entry = table.entries[index];
    if (entry.kind == EntryKind::Table) {
        Table& child = *entry.table;
        for (std::size_t childIndex = child.nextUsed(0); childIndex < kEntriesPerTable;
             childIndex = child.nextUsed(childIndex + 1))
            release(child, childIndex, level + 1);
        entry.table.reset();
        --m_tableCount;
    } else if (entry.kind != EntryKind::Empty) {
        m_mappedPages -= pagesAtLevel(level);
    }
    entry = Entry{};
    table.markEmpty(index);
}

} // namespace vcm::hyp::vm

// A sparse array of 4 KiB pages created on first touch, so a 64 GiB guest costs host memory only for
// the pages it uses. Lookups go through a small direct-mapped cache of page pointers first: the hot
// path of an access that stays within a few pages does no hashing.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace vcm::hyp::memory {

constexpr std::uint64_t kPageShift = 12;
constexpr std::uint64_t kPageBytes = std::uint64_t{1} << kPageShift;
constexpr std::uint64_t kWordsPerPage = kPageBytes / 8;

template <typename Page>
class SparsePages {
public:
    // The page, or nullptr if it was never created.
    const Page* find(std::uint64_t pageNumber) const
    {
        Slot& slot = m_recent[pageNumber % kRecent];
        if (slot.page != nullptr && slot.pageNumber == pageNumber)
            return slot.page;
        auto it = m_pages.find(pageNumber);
        if (it == m_pages.end())
            return nullptr;
        slot = {pageNumber, it->second.get()};
        return slot.page;
    }

    Page& get(std::uint64_t pageNumber)
    {
        if (const Page* page = find(pageNumber))
            return *const_cast<Page*>(page);
        auto [it, inserted] = m_pages.emplace(pageNumber, std::make_unique<Page>());
        m_recent[pageNumber % kRecent] = {pageNumber, it->second.get()};
        return *it->second;
    }

    std::size_t size() const { return m_pages.size(); }

private:
    static constexpr std::size_t kRecent = 64;
    struct Slot {
        std::uint64_t pageNumber = 0;
        Page* page = nullptr;
    };
    std::unordered_map<std::uint64_t, std::unique_ptr<Page>> m_pages;
    mutable std::array<Slot, kRecent> m_recent{};
};

// RAM, the point of coherency: bytes and the version each 8-byte word holds.
struct RamPage {
    std::array<std::uint8_t, kPageBytes> data{};
    std::array<std::uint64_t, kWordsPerPage> versions{};
};

// The coherence oracle's view of a page: the architecturally latest value of every word, its version
// (the global write sequence number that produced it), the agent that wrote it and when (the writer's
// clock, in cycles): a stale read names the write it missed, so the analyzer and the GUI can link them.
struct OraclePage {
    std::array<std::uint8_t, kPageBytes> value{};
    std::array<std::uint64_t, kWordsPerPage> version{};
    std::array<std::uint32_t, kWordsPerPage> writer{};
    std::array<std::uint64_t, kWordsPerPage> writtenAt{};
};

} // namespace vcm::hyp::memory

// Victim selection for one set-associative cache (the gem5 verbs: touch, invalidate, victim), with the
// per-way state kept in flat arrays the policy owns, so an access allocates nothing.
#pragma once

#include "vcm/hyp/memory/cache_geometry.h"

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace vcm::hyp::memory {

class ReplacementPolicy {
public:
    virtual ~ReplacementPolicy() = default;
    // The slot (set * ways + way) was hit or filled.
    virtual void touch(std::uint32_t slot) = 0;
    // The slot no longer holds a line.
    virtual void invalidate(std::uint32_t slot) = 0;
    // Which way of `set` to evict; called only when every way of the set is valid.
    virtual std::uint32_t victimWay(std::uint32_t set) = 0;

    static std::unique_ptr<ReplacementPolicy> create(ReplacementKind kind, std::uint32_t sets, std::uint32_t ways,
                                                     std::uint64_t seed);
};

// Least recently used: a per-slot stamp from a per-cache counter; the smallest stamp in the set loses.
class LruReplacement final : public ReplacementPolicy {
public:
    LruReplacement(std::uint32_t sets, std::uint32_t ways);
    void touch(std::uint32_t slot) override { m_stamp[slot] = ++m_clock; }
    void invalidate(std::uint32_t slot) override { m_stamp[slot] = 0; }
    std::uint32_t victimWay(std::uint32_t set) override;

private:
    std::uint32_t m_ways;
    std::uint64_t m_clock = 0;
    std::vector<std::uint64_t> m_stamp;
};

// Seeded uniform choice among the ways: deterministic for a given seed and access sequence.
class RandomReplacement final : public ReplacementPolicy {
public:
    RandomReplacement(std::uint32_t ways, std::uint64_t seed) : m_ways(ways), m_rng(seed) {}
    void touch(std::uint32_t) override {}
    void invalidate(std::uint32_t) override {}
    std::uint32_t victimWay(std::uint32_t) override { return static_cast<std::uint32_t>(m_rng() % m_ways); }

private:
    std::uint32_t m_ways;
    std::mt19937_64 m_rng;
};

} // namespace vcm::hyp::memory

// Accesses per second through the whole memory-system model: the figure that bounds how fast a guest can run on it.
//
// Each benchmark drives one vCPU on core 0 of the default topology (2 clusters x 2 cores; L1 32 KiB 4-way, L2
// 512 KiB 16-way, system cache 4 MiB 16-way) through the public MemorySystem interface, with data, versions and the
// coherence oracle on as always. items/s is accesses/s. The counters check that each pattern really takes the path
// its name claims (an L1 mix that missed, or a stale read, would make the figure meaningless).
#include "access_pattern.h"

#include "vcm/hyp/memory/memory_system.h"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace {

namespace mem = vcm::hyp::memory;
namespace bench = vcm::bench;

struct Machine {
    mem::MemorySystem system{mem::MachineTopology{}};
    mem::AgentId vcpu = system.addAgent({.kind = mem::AgentKind::Vcpu, .name = "bench", .core = mem::CoreId{0}});
};

struct Tally {
    std::uint64_t reads = 0;
    std::uint64_t readsBeyondL1 = 0; // served by L2, system cache, another cache or RAM
    std::uint64_t readsFromRam = 0;
    std::uint64_t staleReads = 0;
};

std::uint64_t readWord(Machine& machine, mem::PhysAddr address, mem::MemoryType type, Tally& tally)
{
    std::array<std::uint8_t, bench::kWordBytes> bytes{};
    const mem::AccessResult result = machine.system.read(machine.vcpu, address, bytes, type);
    ++tally.reads;
    tally.readsBeyondL1 += result.source.fromRam || result.source.cache.level != mem::CacheLevel::L1;
    tally.readsFromRam += result.source.fromRam;
    tally.staleReads += result.stale;
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data(), sizeof word);
    return word;
}

void writeWord(Machine& machine, mem::PhysAddr address, std::uint64_t value, mem::MemoryType type)
{
    std::array<std::uint8_t, bench::kWordBytes> bytes{};
    std::memcpy(bytes.data(), &value, sizeof value);
    machine.system.write(machine.vcpu, address, bytes, type);
}

// Per access rather than per run, so the figures do not depend on how many iterations the library chose.
void reportTally(benchmark::State& state, const Tally& tally)
{
    state.SetItemsProcessed(state.iterations());
    const auto perAccess = [](std::uint64_t count) {
        return benchmark::Counter(static_cast<double>(count), benchmark::Counter::kAvgIterations);
    };
    state.counters["reads_beyond_l1"] = perAccess(tally.readsBeyondL1);
    state.counters["reads_from_ram"] = perAccess(tally.readsFromRam);
    state.counters["stale_reads"] = perAccess(tally.staleReads);
}

void BM_L1HitMix(benchmark::State& state)
{
    const std::vector<bench::L1MixAccess> pattern = bench::makeL1Mix();
    Machine machine;
    constexpr auto type = mem::MemoryType::NormalWriteBack;
    // Writing every word first makes every line resident, dirty and exclusive, so the timed loop measures hits
    // (and no first-touch page allocation in the oracle).
    for (std::uint64_t offset = 0; offset < bench::kL1WorkingSetBytes; offset += bench::kWordBytes)
        writeWord(machine, bench::kBaseAddress + offset, offset, type);

    Tally tally;
    std::uint64_t next = 0;
    for (auto _ : state) {
        const bench::L1MixAccess access = pattern[next++ % bench::kL1MixLength];
        const mem::PhysAddr address = bench::kBaseAddress + bench::l1MixOffset(access);
        if (bench::l1MixIsWrite(access)) {
            writeWord(machine, address, next, type);
        } else {
            std::uint64_t word = readWord(machine, address, type, tally);
            benchmark::DoNotOptimize(word);
        }
    }
    reportTally(state, tally);
}

// 64 MiB of model RAM and oracle pages (about 1.4 GB of host memory) is built once per process, not once per run
// of the benchmark function, and the stream resumes where the previous run stopped: the library's calibration
// runs then advance the same stream instead of each paying for a new machine.
struct StreamingMachine {
    Machine machine;
    std::uint64_t nextAccess = 0;
};

StreamingMachine& streamingMachine()
{
    static const std::unique_ptr<StreamingMachine> instance = [] {
        auto created = std::make_unique<StreamingMachine>();
        // One write per line over the whole region: every RAM and oracle page exists and the caches are full of
        // dirty lines, which is the steady state of the stream, without the timed loop paying for page creation.
        const std::uint64_t lineBytes = created->machine.system.topology().lineBytes;
        for (std::uint64_t offset = 0; offset < bench::kStreamingBytes; offset += lineBytes)
            writeWord(created->machine, bench::kBaseAddress + offset, offset, mem::MemoryType::NormalWriteBack);
        return created;
    }();
    return *instance;
}

void BM_StreamingMix(benchmark::State& state)
{
    StreamingMachine& stream = streamingMachine();
    constexpr auto type = mem::MemoryType::NormalWriteBack;
    Tally tally;
    for (auto _ : state) {
        const std::uint64_t access = stream.nextAccess++;
        const mem::PhysAddr address = bench::kBaseAddress + bench::sequentialOffset(access, bench::kStreamingBytes);
        if (bench::sequentialIsWrite(access)) {
            writeWord(stream.machine, address, access, type);
        } else {
            std::uint64_t word = readWord(stream.machine, address, type, tally);
            benchmark::DoNotOptimize(word);
        }
    }
    reportTally(state, tally);
}

void BM_NonCacheable(benchmark::State& state)
{
    Machine machine;
    constexpr auto type = mem::MemoryType::NormalNonCacheable;
    // Creates the RAM and oracle pages, so the timed loop measures accesses, not page allocation.
    for (std::uint64_t offset = 0; offset < bench::kNonCacheableBytes; offset += bench::kWordBytes)
        writeWord(machine, bench::kBaseAddress + offset, offset, type);

    Tally tally;
    std::uint64_t access = 0;
    for (auto _ : state) {
        const mem::PhysAddr address = bench::kBaseAddress + bench::sequentialOffset(access, bench::kNonCacheableBytes);
        if (bench::sequentialIsWrite(access)) {
            writeWord(machine, address, access, type);
        } else {
            std::uint64_t word = readWord(machine, address, type, tally);
            benchmark::DoNotOptimize(word);
        }
        ++access;
    }
    reportTally(state, tally);
}

} // namespace

BENCHMARK(BM_L1HitMix);
BENCHMARK(BM_StreamingMix);
BENCHMARK(BM_NonCacheable);

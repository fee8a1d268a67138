#!/usr/bin/env bash
# Compares vcm's memory-model throughput with what a user would otherwise reach for: cachegrind on native code.
#
# The figures are not like for like, and are not meant to be; they say what vcm's extra fidelity costs.
#  - cachegrind simulates 2 levels (L1 and a last level), tag-only: no data, no versions, no coherence, one core.
#  - vcm carries 3 levels (per-core L1, per-cluster L2, system cache) of a 4-core machine with the data of every
#    line, a version per 8-byte word, and the coherence oracle checking every read and updated by every write.
#  - The figure quoted in the issue, Dinero IV at ~15 M refs/s (tag-only, 3 levels, trace-driven), cannot be
#    reproduced here: Dinero IV is not packaged in Debian.
# cachegrind is given vcm's L1 (32 KiB 4-way) and system cache (4 MiB 16-way) as its D1 and LL: left to detect the
# host's caches it may pick a last level large enough to hold the whole 64 MiB stream, which would then never miss.
# cachegrind's rate is timed by wall clock around the whole valgrind process, so it includes valgrind's start-up
# (a few tenths of a second); the last column subtracts a run with 0 accesses.
#
# Usage: tests/bench/run_memory_benchmark.sh   (after cmake --build --preset default)
# Environment: VCM_BUILD_DIR (default build/default), VCM_BENCH_ACCESSES (cachegrind accesses per pattern,
# default 100000000), VCM_BENCH_MIN_TIME (seconds per vcm benchmark, default 1).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${VCM_BUILD_DIR:-$root/build/default}
accesses=${VCM_BENCH_ACCESSES:-100000000}
minTime=${VCM_BENCH_MIN_TIME:-1}
benchmark=$build/tests/bench/memory_system_benchmark
native=$build/tests/bench/native_access_loop

for program in "$benchmark" "$native"; do
    if [[ ! -x $program ]]; then
        echo "run_memory_benchmark: $program not built;" \
             "run: cmake --preset default && cmake --build --preset default" >&2
        exit 1
    fi
done
if ! command -v valgrind >/dev/null; then
    echo "run_memory_benchmark: valgrind not found; install the Debian package 'valgrind'" >&2
    exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== vcm: $benchmark (min time ${minTime}s per benchmark)"
# Three repetitions and their median: the host may be shared, and one unlucky second would otherwise be the figure.
# stderr joins stdout so the library's context (CPU, caches, its DEBUG-build warning) prints before the table.
"$benchmark" --benchmark_min_time="$minTime" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_out="$scratch/vcm.json" --benchmark_out_format=json 2>&1

# Seconds of wall clock, as a decimal, for one cachegrind run of the native loop; its summary goes to $3.
timeCachegrind() {
    local pattern=$1 count=$2 log=$3 start end
    start=$(date +%s.%N)
    valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null \
        --I1=32768,4,64 --D1=32768,4,64 --LL=4194304,16,64 \
        "$native" "$pattern" "$count" >"$log" 2>&1
    end=$(date +%s.%N)
    python3 -c "print($end - $start)"
}

echo
echo "== cachegrind: $native, $accesses accesses per pattern"
startup=$(timeCachegrind l1mix 0 "$scratch/startup.log")
echo "valgrind start-up (0 accesses): ${startup}s"
for pattern in l1mix streaming; do
    seconds=$(timeCachegrind "$pattern" "$accesses" "$scratch/$pattern.log")
    echo "$pattern: ${seconds}s"
    grep -E '(I|D|LL) +(refs|misses)|D1 +misses' "$scratch/$pattern.log" | sed 's/^==[0-9]*== /    /'
    echo "$seconds" >"$scratch/$pattern.seconds"
done

echo
python3 - "$scratch" "$accesses" "$startup" <<'EOF'
import json
import sys

scratch, accesses, startup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
vcm = {b["run_name"]: b["items_per_second"] for b in json.load(open(f"{scratch}/vcm.json"))["benchmarks"]
       if b.get("aggregate_name") == "median"}
rows = [
    ("L1-hit mix (16 KiB, 70/30)", "BM_L1HitMix", "l1mix"),
    ("streaming (64 MiB, rd+wr)", "BM_StreamingMix", "streaming"),
    ("non-cacheable (1 MiB)", "BM_NonCacheable", None),
]

def rate(value):
    return f"{value / 1e6:10.2f} M/s"

header = ("pattern", "vcm accesses/s", "cachegrind accesses/s", "cachegrind excl. start-up")
print(f"{header[0]:<28} | {header[1]:>15} | {header[2]:>22} | {header[3]:>26}")
print("-" * 28 + "-+-" + "-" * 15 + "-+-" + "-" * 22 + "-+-" + "-" * 26)
for label, name, pattern in rows:
    if pattern is None:
        grind = net = "n/a (1)"
    else:
        seconds = float(open(f"{scratch}/{pattern}.seconds").read())
        grind = rate(accesses / seconds)
        net = rate(accesses / (seconds - startup)) if seconds > startup else "n/a"
    print(f"{label:<28} | {rate(vcm[name]):>15} | {grind:>22} | {net:>26}")
print("vcm: median of 3 repetitions. (1) cachegrind has no non-cacheable memory type: every access is cached.")
EOF

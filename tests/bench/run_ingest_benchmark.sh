#!/usr/bin/env bash
# What `vcm ingest` costs next to Babeltrace2's own decoding of the same trace, and what `vcm check` costs on the
# database it writes. Figures to read, not a pass/fail test. Goals (analyzer issue): ingest throughput at least 70%
# of the decode-only floor, and `vcm check DB` under 2 s.
#
# The trace: one `vcm run` of storm-16g under native with a 16 MiB L2 (--set machine.l2.size_kib=16384), recorded
#   with 32 x 4 MiB sub-buffers. setway-storm makes 20 full set/way clean+invalidate passes; native does not trap
#   them, so every DC CISW is one `maintenance` event, and a 16 MiB 16-way L2 has 262,144 lines (plus 512 of L1) per
#   pass: about 5.26 million events, over 99% of them maintenance, recorded in about 2 s of run time (~320 MB of
#   CTF). The run must report 0 events discarded and 0 packets lost (else the script stops: raise the buffers).
# Timed, after one untimed decode as a warm-up, VCM_INGEST_BENCH_RUNS times each (default 3), alternating so host
#   load drifts hit both alike; the best and the median are reported (wall time from a monotonic clock), and the
#   CPU time (user + system of all threads, getrusage) beside it:
#   - decode: `babeltrace2 TRACE -c sink.utils.dummy`: src.ctf.fs -> flt.utils.muxer -> a sink that drops every
#     message. The floor: the same graph `vcm ingest` runs, minus everything vcm does per event.
#   - ingest: `vcm ingest TRACE -o DB -q`: the whole process, i.e. decoding and row building on one thread with
#     the SQLite inserts on a writer thread, in one transaction (the "read" part), then indexes, the detectors
#     and ANALYZE, then the rename into place (which frees the previous run's database). The command's own
#     line `DB: N events (X M events/s), ...` gives X = events / read seconds; "read s" is events / X and "after
#     read s" is the wall time minus it (indexes, detectors, ANALYZE, process start and exit).
#   - ratio: ingest events/s over decode events/s (= decode wall / ingest wall), of the medians and of the bests.
#   - `vcm check DB` with the built-in rules (it exits 1 when a rule fails: the status is reported, not fatal).
# The event count is the database's (`SELECT value FROM meta WHERE key='events'`), checked to be at least 5 M.
# Caveats: the host is shared (others build and test on it; the load average is printed before and after), so
#   expect several percent of noise, and more for ingest than for decode: ingest keeps two CPUs busy (decoding,
#   SQLite), decode one, so another process's load on a 2-CPU host slows ingest most. The trace and the databases
#   are in the temporary directory (page cache warm after the first read). LTTng sessions are per user: do not
#   record another vcm run of the same user meanwhile.
#
# Usage: tests/bench/run_ingest_benchmark.sh [--keep DIR]   (after cmake --build build/default --target vcm)
#   --keep DIR: record the trace into DIR and keep it (default: a temporary directory removed at exit).
# Environment: VCM (the vcm binary, default build/default/app/vcm, relative to the repository root),
#   VCM_INGEST_BENCH_RUNS (timed runs of each command, default 3).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vcm=${VCM:-build/default/app/vcm}
runs=${VCM_INGEST_BENCH_RUNS:-3}
scenario=hyp/scenarios/storm-16g.toml
scenarioArgs=(--policy native --set machine.l2.size_kib=16384)
bufferArgs=(--subbuffer-bytes 4194304 --subbuffers 32)
minEvents=5000000

keep=
while (($#)); do
    case $1 in
    --keep)
        [[ $# -ge 2 ]] || { echo "run_ingest_benchmark: --keep needs a directory" >&2; exit 2; }
        keep=$(realpath -m -- "$2") # relative to the caller's directory, not the repository's
        shift 2
        ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "run_ingest_benchmark: unknown argument '$1' (usage: $0 [--keep DIR])" >&2
        exit 2
        ;;
    esac
done
cd "$root"
if [[ ! $runs =~ ^[1-9][0-9]*$ ]]; then
    echo "run_ingest_benchmark: VCM_INGEST_BENCH_RUNS must be a positive integer" >&2
    exit 2
fi
if [[ ! -x $vcm ]]; then
    echo "run_ingest_benchmark: $vcm not built; run: cmake --preset default &&" \
        "cmake --build build/default --target vcm" >&2
    exit 1
fi
for tool in babeltrace2 python3; do
    command -v "$tool" >/dev/null || { echo "run_ingest_benchmark: $tool not found" >&2; exit 1; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
trace=${keep:-$scratch/trace}
db=$scratch/run.db

echo "== host: $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
loadBefore=$(cut -d' ' -f1 /proc/loadavg)
echo "== $("$vcm" version | tr '\n' ' ' | tr -s ' ')"

# ---------------------------------------------------------------------------------------------------------------
echo
echo "== recording: $vcm run $scenario ${scenarioArgs[*]} --trace $trace ${bufferArgs[*]}"
start=$(date +%s.%N)
runStatus=0
"$vcm" run "$scenario" "${scenarioArgs[@]}" --trace "$trace" "${bufferArgs[@]}" >"$scratch/run.txt" || runStatus=$?
end=$(date +%s.%N)
sed 's/^/   /' "$scratch/run.txt"
if ((runStatus != 0)); then
    echo "run_ingest_benchmark: vcm run exited with status $runStatus" >&2
    exit 1
fi
traceLine=$(grep -E '^trace: .* events discarded' "$scratch/run.txt" || true)
if [[ ! $traceLine =~ \(([0-9]+)\ events\ discarded,\ ([0-9]+)\ packets\ lost\) ]]; then
    echo "run_ingest_benchmark: no 'trace: DIR (N events discarded, M packets lost)' line in the run's summary" >&2
    exit 1
fi
if ((BASH_REMATCH[1] != 0 || BASH_REMATCH[2] != 0)); then
    echo "run_ingest_benchmark: the trace lost data (${BASH_REMATCH[1]} events discarded, ${BASH_REMATCH[2]}" \
        "packets lost): raise --subbuffers or --subbuffer-bytes in this script" >&2
    exit 1
fi
echo "   recorded in $(python3 -c "print(f'{$end - $start:.2f}')") s (wall, including the LTTng session's setup and" \
    "teardown); $(du -sh "$trace" | cut -f1) of CTF"

# ---------------------------------------------------------------------------------------------------------------
# One timed run: appends "wall_seconds cpu_seconds" (the command's user + system time, all its threads) to
# $scratch/$1.times; the command's stdout goes to $scratch/$1.out.N. Returns the command's exit status (callers
# that accept a failure write `timeOnce ... || status=$?`).
timer='
import resource, subprocess, sys, time
record, argv = sys.argv[1], sys.argv[2:]
start = time.monotonic()
status = subprocess.call(argv)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(record, "a") as f:
    f.write(f"{wall} {usage.ru_utime + usage.ru_stime}\n")
sys.exit(status)
'
timeOnce() {
    local name=$1 run=$2 status=0
    shift 2
    python3 -c "$timer" "$scratch/$name.times" "$@" >"$scratch/$name.out.$run" || status=$?
    return "$status"
}

echo
echo "== warm-up: one untimed babeltrace2 -c sink.utils.dummy (the trace was just written: page cache, writeback)"
babeltrace2 "$trace" -c sink.utils.dummy

echo
echo "== timing: $runs runs each of decode and ingest, alternating"
for ((i = 1; i <= runs; ++i)); do
    echo "   run $i: babeltrace2 -c sink.utils.dummy, vcm ingest"
    timeOnce decode "$i" babeltrace2 "$trace" -c sink.utils.dummy
    timeOnce ingest "$i" "$vcm" ingest "$trace" -o "$db" -q
    sed 's/^/     /' "$scratch/ingest.out.$i"
done

events=$("$vcm" query "$db" "SELECT value FROM meta WHERE key='events'" | tail -n 1)
if [[ ! $events =~ ^[0-9]+$ ]]; then
    echo "run_ingest_benchmark: cannot read the event count from $db (got '$events')" >&2
    exit 1
fi

echo "   $runs runs of vcm check (built-in rules)"
for ((i = 1; i <= runs; ++i)); do
    status=0
    timeOnce check "$i" "$vcm" check "$db" || status=$?
    echo "$status" >>"$scratch/check.status"
done
echo "   last vcm check output (status $(tail -n 1 "$scratch/check.status")):"
sed 's/^/     /' "$scratch/check.out.$runs"

# ---------------------------------------------------------------------------------------------------------------
echo
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 - "$scratch" "$runs" "$events" "$minEvents" "$loadBefore" "$(nproc)" <<'EOF'
import re
import statistics
import sys

scratch, runs, events, minEvents = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
loadBefore, cpus = float(sys.argv[5]), int(sys.argv[6])
ratioGoal, checkGoal = 0.70, 2.0

def times(name):
    return [tuple(map(float, line.split())) for line in open(f"{scratch}/{name}.times")]

def walls(name):
    return [wall for wall, cpu in times(name)]

def cpus_of(name):
    return [cpu for wall, cpu in times(name)]

def stats(values, best=min):
    return best(values), statistics.median(values)

decode, ingest, check = walls("decode"), walls("ingest"), walls("check")
# The ingest line: "DB: N events (X M events/s), D discarded, P packets lost; F findings".
reads = []
for i in range(1, runs + 1):
    text = open(f"{scratch}/ingest.out.{i}").read()
    found = re.search(r": (\d+) events \(([0-9.]+) M events/s\)", text)
    if not found or int(found.group(1)) != events:
        sys.exit(f"run_ingest_benchmark: unexpected vcm ingest output: {text!r}")
    reads.append(float(found.group(2)) * 1e6)
checkStatus = [int(line) for line in open(f"{scratch}/check.status")]

decodeBest, decodeMedian = stats(decode)
ingestBest, ingestMedian = stats(ingest)
readSeconds = [events / r for r in reads]
afterRead = [wall - read for wall, read in zip(ingest, readSeconds)]
readBest, readMedian = stats(readSeconds)
afterBest, afterMedian = stats(afterRead)
checkBest, checkMedian = stats(check)

widths = (31, 8, 8, 10, 12)
def row(cells):
    print(" | ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, widths))))
def mev(seconds):
    return f"{events / seconds / 1e6:.3f}" if seconds > 0 else ""

print(f"Trace: {events:,} events (meta.events of the database).")
print()
row(("command", "best s", "median s", "best Mev/s", "median Mev/s"))
print("-+-".join("-" * w for w in widths))
row(("babeltrace2 -c sink.utils.dummy", f"{decodeBest:.3f}", f"{decodeMedian:.3f}", mev(decodeBest), mev(decodeMedian)))
row(("vcm ingest -q (whole process)", f"{ingestBest:.3f}", f"{ingestMedian:.3f}", mev(ingestBest), mev(ingestMedian)))
row(("  read (vcm ingest's figure)", f"{readBest:.3f}", f"{readMedian:.3f}", mev(readBest), mev(readMedian)))
row(("  after read (wall - read)", f"{afterBest:.3f}", f"{afterMedian:.3f}", "", ""))
row(("vcm check DB", f"{checkBest:.3f}", f"{checkMedian:.3f}", "", ""))
print(f"Best and median of {runs} runs each, wall time of the whole process. read: the events/s vcm ingest prints")
print("(decoding and row building, overlapped with the writer thread's inserts, one transaction), its seconds =")
print("events / that rate; after read: indexes, detectors, ANALYZE, the rename over the previous database,")
print("process start and exit (per run, then best and median).")
print(f"vcm check exit status per run: {', '.join(map(str, checkStatus))} (0 pass, 1 a rule failed, 2 unusable).")
print()
decodeCpu, ingestCpu = statistics.median(cpus_of("decode")), statistics.median(cpus_of("ingest"))
print(f"CPU time (user + system, all threads; medians): decode {decodeCpu:.3f} s, ingest {ingestCpu:.3f} s"
      f" ({ingestCpu / decodeCpu:.2f}x decode's). Ingest decodes on one thread and writes SQLite on another: its wall")
print(f"time needs two free CPUs. With one (another process busy on a 2-CPU host) it tends to the CPU ratio,"
      f" {decodeCpu / ingestCpu:.1%}.")
if loadBefore > 0.5 or cpus < 2:
    print(f"WARNING: load average {loadBefore} at the start on {cpus} CPUs: not an idle host; the wall-time ratio"
          " below is lower than an idle host gives.")
print()
ratioMedian, ratioBest = decodeMedian / ingestMedian, decodeBest / ingestBest
readRatio = decodeMedian / readMedian
verdict = "met" if ratioMedian >= ratioGoal else "NOT met"
print(f"Goal: ingest at least {ratioGoal:.0%} of the decode floor's events/s: {ratioMedian:.1%} of the medians"
      f" ({ratioBest:.1%} of the bests; the read part alone {readRatio:.1%}): {verdict}.")
verdict = "met" if checkMedian < checkGoal else "NOT met"
print(f"Goal: vcm check DB under {checkGoal:.0f} s: median {checkMedian:.3f} s: {verdict}.")
if events < minEvents:
    print(f"WARNING: the trace has {events:,} events, fewer than the {minEvents:,} this benchmark is meant for.")
EOF
if [[ -n $keep ]]; then
    echo
    echo "Trace kept in $keep."
fi

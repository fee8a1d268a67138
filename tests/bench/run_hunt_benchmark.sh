#!/usr/bin/env bash
# vcm hunt's throughput on the heisenbug scenario, side by side with what a user would otherwise run: a shell
# loop of `vcm run --seed N` (one process per seed, as a CI matrix or a naive script does).
#
# Printed:
#  - seeds per second: the shell loop of bare `vcm run`s, and `vcm hunt` with 1 and 2 worker processes; the
#    speedup of 2 workers over 1 (goal >= 1.8 on a 2-core machine);
#  - the hunt harness's own cost per run: the hunt's wall time with 1 worker against the sum of its runs'
#    simulation times (host_seconds in the hunt database, measured inside the worker around runScenario), and
#    a bare `vcm run`'s wall time per seed against its own reported simulation time (goal: the harness adds
#    <= 5 % to a run).
# Caveats: the heisenbug's runs are short (about 10 ms of host time each), so fixed per-run costs -- a fork and
# a pipe for the hunt, a whole process start, scenario parse and guest load for `vcm run` -- weigh in more
# than they would for longer scenarios. The machine's other load shows in every figure: run it on an idle
# machine.
#
# Usage: tests/bench/run_hunt_benchmark.sh [SEEDS]   (after cmake --build --preset default; default 1000 seeds)
# Environment: VCM_BUILD_DIR (default build/default).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${VCM_BUILD_DIR:-$root/build/default}
vcm=$build/app/vcm
scenario=$root/hyp/scenarios/seed004-heisenbug.toml
seeds=${1:-1000}
loopSeeds=$(( seeds < 300 ? seeds : 300 ))

if [[ ! -x $vcm ]]; then
    echo "run_hunt_benchmark: $vcm not built; run: cmake --preset default && cmake --build --preset default" >&2
    exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
now() { date +%s.%N; }

echo "== vcm hunt on $(basename "$scenario") under native, $(nproc) CPUs"

# 1. What a user would otherwise run: one vcm run per seed.
start=$(now)
simulated=0
for ((seed = 1; seed <= loopSeeds; ++seed)); do
    host=$("$vcm" run "$scenario" --policy native --seed "$seed" --json | sed -n 's/.*"host_seconds": *\([0-9.e+-]*\).*/\1/p')
    simulated=$(awk -v a="$simulated" -v b="$host" 'BEGIN { printf "%.9f", a + b }')
done
loopWall=$(awk -v a="$(now)" -v b="$start" 'BEGIN { printf "%.9f", a - b }')

# 2. vcm hunt with 1 and 2 workers.
hunt() {
    local jobs=$1
    local begin
    begin=$(now)
    "$vcm" hunt "$scenario" --policies native --seeds "$seeds" --jobs "$jobs" --no-record -q -o "$scratch/j$jobs.db" >/dev/null || [[ $? -eq 1 ]]
    awk -v a="$(now)" -v b="$begin" 'BEGIN { printf "%.9f", a - b }'
}
hunt1=$(hunt 1)
hunt2=$(hunt 2)
hunt1Simulated=$("$vcm" query "$scratch/j1.db" "SELECT sum(host_seconds) FROM hunt_run" | tail -n1)

awk -v loopSeeds="$loopSeeds" -v loopWall="$loopWall" -v loopSim="$simulated" -v seeds="$seeds" \
    -v h1="$hunt1" -v h2="$hunt2" -v h1Sim="$hunt1Simulated" 'BEGIN {
    printf "%-44s %10s %14s %16s\n", "", "seeds/s", "wall per seed", "cost beyond sim";
    printf "%-44s %10.1f %11.2f ms %15.1f%%\n", "shell loop of vcm run (" loopSeeds " seeds)", loopSeeds / loopWall,
           1000 * loopWall / loopSeeds, 100 * (loopWall - loopSim) / loopSim;
    printf "%-44s %10.1f %11.2f ms %15.1f%%\n", "vcm hunt --jobs 1 (" seeds " seeds)", seeds / h1, 1000 * h1 / seeds,
           100 * (h1 - h1Sim) / h1Sim;
    printf "%-44s %10.1f %11.2f ms\n", "vcm hunt --jobs 2 (" seeds " seeds)", seeds / h2, 1000 * h2 / seeds;
    printf "\nspeedup of 2 workers over 1: %.2fx (goal >= 1.8x)\n", h1 / h2;
    printf "vcm hunt --jobs 1 against the shell loop: %.2fx the seeds per second\n", (seeds / h1) / (loopSeeds / loopWall);
    printf "harness cost per run (hunt wall over its runs'"'"' simulation time): %.1f%% (goal <= 5%%)\n",
           100 * (h1 - h1Sim) / h1Sim;
}'

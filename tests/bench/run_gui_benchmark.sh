#!/usr/bin/env bash
# The timeline's level of detail on a database of over 10 million events: time to first frame after open, frame
# times while zooming from the whole run to 1 us and panning, and the process's peak memory. Figures to read, not a
# pass/fail test. Goals (gui issue): first frame under 1 s, frames under 16 ms, memory not proportional to the trace.
#
# The database: 58 setway-storm VMs (64 MiB each, spread over the 4 cores) beside latency-probe, under xen (every
#   DC CISW traps: 174,080 trap rows per storm VM), recorded with 8 x 4 MiB sub-buffers and ingested: about 10.1
#   million events (10.1 M trap rows), a ~700 MB database. The scenario is written to the work directory. Recording
#   takes ~20 s and ingest ~45 s on the 2-core development host; with --keep DIR the database is reused next time.
# Measured by `vcm-gui --benchmark DB` (offscreen, 1600x900): it opens the database, collapses the groups without
#   trap tracks and scrolls to the vCPUs' so the frames hold the densest tracks (37 tracks, 1.2 million rows over
#   the run), renders the first frame, then one frame per W press (x1.25) from the whole run to 1 us, 100 frames of
#   A/D at 1 us, 100 frames of D at 1% of the run, and 10 zoom steps on the whole run. Frame = sampling every
#   visible track for the new range (SQLite, through the (track, ts) indexes) plus painting into a QImage.
#   Peak RSS is VmHWM, printed by the binary and by /usr/bin/time -v when present; for comparison the script also
#   runs the same benchmark on seed004-bootloader-setway (13 thousand events).
# Caveats: the host is shared; the page cache is warm after the first open (the first run prints cold figures only
#   if the caches were dropped before it).
#
# Usage: tests/bench/run_gui_benchmark.sh [--keep DIR]   (after cmake --build build/default --target vcm vcm-gui)
# Environment: VCM (default build/default/app/vcm), VCM_GUI (default build/default/gui/vcm-gui).
set -euo pipefail

cd "$(dirname "$0")/../.."
VCM=${VCM:-build/default/app/vcm}
VCM_GUI=${VCM_GUI:-build/default/gui/vcm-gui}
work=""
if [[ ${1:-} == --keep ]]; then
    work=$2
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

scenario=$work/storm-big.toml
{
    printf 'name = "storm-big"\ndescription = "58 setway-storm guests and latency-probe: the GUI benchmark database"\n'
    printf 'seed = 1\n\n[policy]\nname = "xen"\n\n[run]\ninstruction_budget = 200000000000\n\n'
    for i in $(seq 0 57); do
        printf '[[vm]]\nname = "storm%d"\nguest = "setway-storm"\nram_mib = 64\nvcpus = [%d]\n\n' "$i" $((i % 4))
    done
    printf '[[vm]]\nname = "probe"\nguest = "latency-probe"\nvcpus = [1]\n'
} > "$scenario"

big=$work/storm-big.db
if [[ ! -f $big ]]; then
    echo "recording $scenario ..."
    rm -rf "$work/storm-big-trace"
    "$VCM" run "$scenario" --trace "$work/storm-big-trace" --subbuffer-bytes 4194304 --subbuffers 8 | tail -2
    "$VCM" ingest "$work/storm-big-trace" -o "$big"
    rm -rf "$work/storm-big-trace"
fi
small=$work/seed004.db
if [[ ! -f $small ]]; then
    "$VCM" run hyp/scenarios/seed004-bootloader-setway.toml --policy native --trace "$work/seed004-trace" > /dev/null
    "$VCM" ingest -q "$work/seed004-trace" -o "$small"
    rm -rf "$work/seed004-trace"
fi

events() { "$VCM" query "$1" "SELECT value FROM meta WHERE key = 'events'" | tail -1; }
for db in "$small" "$big"; do
    echo
    echo "== $(basename "$db"): $(events "$db") events, $(du -hL "$db" | cut -f1) on disk"
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -v "$VCM_GUI" --benchmark "$db" 2> "$work/time.log"
        grep -E "Maximum resident set size|Elapsed" "$work/time.log"
    else
        "$VCM_GUI" --benchmark "$db"
    fi
done

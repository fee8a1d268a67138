#!/usr/bin/env bash
# Time to show one page of the GUI's event table (EventTableModel) at the start, middle and end of a
# 10-million-row trap table: keyset paging (the model) against the OFFSET paging it replaced (the same SQL, run
# by the benchmark). Figures to read, not a pass/fail test. What each row means: tests/bench/event_table_benchmark.cpp.
#
# The database: 10 million synthetic traps (~600 MB), written by the benchmark when absent: ~1 min on the 2-core
#   development host; with --keep DIR it is reused next time. --unindexed adds the order by an unindexed column
#   (each of its queries scans and sorts the whole table: several seconds each at 10 million rows).
# Caveats: the host is shared; the page cache is warm after the first of the --repeat runs (the best is printed).
#
# Usage: tests/bench/run_event_table_benchmark.sh [--keep DIR] [--rows N] [--repeat R] [--unindexed]
#        (after cmake --build --preset default --target event_table_benchmark)
# Environment: VCM_BUILD_DIR (default build/default).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${VCM_BUILD_DIR:-$root/build/default}
benchmark=$build/tests/bench/event_table_benchmark
if [[ ! -x $benchmark ]]; then
    echo "run_event_table_benchmark: $benchmark not built;" \
         "run: cmake --build --preset default --target event_table_benchmark" >&2
    exit 1
fi

work=""
if [[ ${1:-} == --keep ]]; then
    work=$2
    shift 2
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
rows=10000000
arguments=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        *) arguments+=("$1"); shift ;;
    esac
done

database=$work/event-table-$rows.db
"$benchmark" "$database" --rows "$rows" "${arguments[@]}"
echo "($(du -hL "$database" | cut -f1) on disk: $database)"

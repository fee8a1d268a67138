#!/usr/bin/env bash
# Runs every libFuzzer harness of the fuzz preset for a while (docs/fuzzing.md):
#
#   bash tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS_PER_HARNESS      e.g. build/fuzz 20
#
# Each harness first replays its committed reproducers (tests/fuzz/regressions/<harness>/: inputs that once found
# a bug must stay fixed), then fuzzes for SECONDS_PER_HARNESS on a copy of its seed corpus
# (tests/fuzz/corpus/<harness>/: the committed corpus never grows), one input at most 10 s (-timeout) and
# 4 GiB (-rss_limit_mb), with its files and libFuzzer's artifacts in a temporary directory. It prints each
# harness's executions and rate from libFuzzer's final statistics, and exits 1 when any harness found a crash,
# timeout, leak or out-of-memory input (or a reproducer fails again), naming the reproducer and its size; the
# temporary directory is then kept. One harness at a time: each is one process on one core.
set -euo pipefail

if [[ $# -ne 2 || ! "$2" =~ ^[0-9]+$ || "$2" -eq 0 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS_PER_HARNESS" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
harnesses=(fuzz_scenario fuzz_rules fuzz_setway_trap_code fuzz_trace_rows fuzz_guest_image)

for h in "${harnesses[@]}"; do
  if [[ ! -x "$build/tests/fuzz/$h" ]]; then
    echo "run_fuzzers: $build/tests/fuzz/$h is missing: cmake --preset fuzz && cmake --build --preset fuzz" >&2
    exit 2
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vcm-fuzz.XXXXXX")
keep=0
cleanup() { if [[ $keep -eq 0 ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

# Leaks in libraries that are not ours, each named and explained in the file. A crash or an error report stops
# the process (-fno-sanitize-recover=all in the preset; UBSan's stack says where).
if [[ -f "$here/lsan.supp" ]]; then
  export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
fi
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# The statistic `name` from a libFuzzer log (the last value printed), or "?".
final_stat() { grep -o "^stat::$2: *[0-9]*" "$1" | tail -1 | grep -o '[0-9]*$' || echo '?'; }

findings=0
report() { # harness, log, artifact dir, what
  local h=$1 log=$2 artifacts=$3 what=$4 found=0
  findings=$((findings + 1))
  keep=1
  echo "$h: FINDING ($what); the end of its log ($log):"
  { grep -E "ERROR|SUMMARY|Sanitizer|runtime error|Test unit written|deadly signal|==[0-9]+==" "$log" || true; } |
    tail -8 | sed 's/^/    /'
  for f in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/leak-* "$artifacts"/oom-*; do
    [[ -e "$f" ]] || continue
    found=1
    echo "    reproducer: $f ($(wc -c <"$f") bytes)"
    echo "    replay:     $build/tests/fuzz/$h $f"
  done
  if [[ $found -eq 0 ]]; then
    echo "    (no reproducer written: see the log)"
  fi
}

for h in "${harnesses[@]}"; do
  dir="$work/$h"
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp"
  cp -r "$here/corpus/$h/." "$dir/corpus/"
  options=(-timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "-artifact_prefix=$dir/artifacts/")
  case $h in
    fuzz_scenario | fuzz_rules) options+=("-dict=$here/toml.dict") ;;
  esac
  # The harnesses' own files (fuzz_temp_dir.h) go below the run's directory, whatever happens to the process.
  export TMPDIR="$dir/tmp"

  shopt -s nullglob
  reproducers=("$here/regressions/$h"/*)
  shopt -u nullglob
  if [[ ${#reproducers[@]} -gt 0 ]]; then
    if ! "$build/tests/fuzz/$h" "${options[@]}" "${reproducers[@]}" >"$dir/regressions.log" 2>&1; then
      report "$h" "$dir/regressions.log" "$dir/artifacts" "a committed reproducer fails again"
      continue
    fi
  fi

  # VCM_FUZZ_SEED set (CI): a fixed seed and a fixed number of inputs (SECONDS times the harness's nominal rate)
  # instead of a time limit, so that the pass explores the same inputs on every machine and its verdict does not
  # depend on luck or speed; exploratory runs leave it unset.
  limit=("-max_total_time=$seconds")
  span="in ${seconds}s"
  if [[ -n "${VCM_FUZZ_SEED:-}" ]]; then
    case $h in
      fuzz_scenario) rate=2000 ;; fuzz_rules) rate=2500 ;; fuzz_setway_trap_code) rate=600 ;;
      fuzz_trace_rows) rate=100 ;; *) rate=50 ;;
    esac
    limit=("-seed=$VCM_FUZZ_SEED" "-runs=$((seconds * rate))")
    span="(seed $VCM_FUZZ_SEED)"
  fi
  status=0
  "$build/tests/fuzz/$h" "${options[@]}" "${limit[@]}" "$dir/corpus" >"$dir/fuzz.log" 2>&1 || status=$?
  executions=$(final_stat "$dir/fuzz.log" number_of_executed_units)
  rate=$(final_stat "$dir/fuzz.log" average_exec_per_sec)
  printf '%-22s %10s executions %s, %6s exec/s, %d reproducer(s) replayed\n' \
    "$h" "$executions" "$span" "$rate" "${#reproducers[@]}"
  if [[ $status -ne 0 ]] || compgen -G "$dir/artifacts/crash-*" >/dev/null || compgen -G "$dir/artifacts/timeout-*" >/dev/null ||
    compgen -G "$dir/artifacts/leak-*" >/dev/null || compgen -G "$dir/artifacts/oom-*" >/dev/null; then
    report "$h" "$dir/fuzz.log" "$dir/artifacts" "libFuzzer exited with status $status"
  fi
done

if [[ $findings -gt 0 ]]; then
  echo "run_fuzzers: $findings harness(es) found something; their logs and reproducers are kept in $work"
  exit 1
fi
echo "run_fuzzers: no findings"

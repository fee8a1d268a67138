#!/usr/bin/env bash
# End-to-end test of the Slurm recipe (scripts/slurm/): a real one-node Slurm cluster runs a hunt in
# 4 shards, and the merged result must equal an unsharded local hunt, row for row.
#
#   bash tests/hunt/slurm/test_hunt_on_slurm.sh build/default/app/vcm
#
# 1. Starts a throw-away cluster (one_node_cluster.sh) in a mktemp -d directory. An EXIT trap always
#    stops it and removes the directory, whatever happens (failure, Ctrl-C, SIGTERM).
# 2. Runs `vcm hunt seed004-heisenbug.toml --policies native,xen --seeds 40` locally (local.db).
# 3. Submits the same hunt with scripts/slurm/vcm-hunt-on-slurm.sh, SHARDS=4, and polls squeue for the
#    array job and the merge job (at most VCM_HUNT_SLURM_TEST_TIMEOUT s, default 180).
# 4. Checks that the 4 array tasks and the merge job COMPLETED (log/jobcomp.txt), that hunt.db and
#    local.db agree on every column but host_seconds, that there are 80 rows, and that native has a
#    failure and xen none (so that the comparison is not vacuous).
#
# Root only (the cluster runs as root). Exit status 0 and a PASS line, or 1 and a FAIL message
# (followed by Slurm's logs and the jobs' output where they help), 2 for a bad invocation.
#
# VCM_HUNT_SLURM_TEST_VCM: the vcm binary the Slurm jobs run (default: the argument). Only for
# checking that the test fails cleanly, e.g. VCM_HUNT_SLURM_TEST_VCM=/bin/false.
set -euo pipefail

readonly SEEDS=40 SHARDS=4 POLICIES=native,xen
readonly WAIT_TIMEOUT=${VCM_HUNT_SLURM_TEST_TIMEOUT:-180}
readonly COLUMNS_BUT_HOST_SECONDS="policy, seed, verdict, failed, stale_reads, clobbers, stale_windows,
  migrations, max_unpreempted_flush_ns, vtime_ns, instructions, detail"

log() { echo "test_hunt_on_slurm: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

if [[ $# -ne 1 ]]; then
  echo "usage: $0 VCM_BINARY   (e.g. build/default/app/vcm)" >&2
  exit 2
fi
[[ -f "$1" && -x "$1" ]] || { log "not an executable file: $1"; exit 2; }
[[ $(id -u) -eq 0 ]] || { log "must run as root (the one-node cluster does)"; exit 2; }
vcm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
scenario=$root/hyp/scenarios/seed004-heisenbug.toml
recipe=$root/scripts/slurm/vcm-hunt-on-slurm.sh
cluster=$here/one_node_cluster.sh
submit_vcm=${VCM_HUNT_SLURM_TEST_VCM:-$vcm}
[[ -f "$scenario" ]] || { log "scenario not found: $scenario"; exit 2; }
[[ -x "$recipe" && -x "$cluster" ]] || { log "missing $recipe or $cluster"; exit 2; }
for cmd in sbatch squeue scontrol; do
  command -v "$cmd" >/dev/null || { log "$cmd not found (apt-get install slurm-client)"; exit 2; }
done

# Seconds since $1 (an $EPOCHREALTIME), with one decimal.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

tmp=$(mktemp -d)
state=$tmp/cluster      # STATE_DIR of the cluster
out=$tmp/out            # OUT_DIR of the recipe: shard-K.db, hunt.db
submit=$tmp/submit      # where sbatch runs: the jobs' vcm-hunt-*.out files
mkdir -p "$out" "$submit"

# Non-zombie Slurm/MUNGE daemons of our cluster: started with its marker variable, or with a cwd or
# an open file under STATE_DIR (slurmstepd has an empty environment).
leftover_daemons() {
  local dir pid comm stat link target
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    { read -r comm <"$dir/comm" && read -r stat <"$dir/stat"; } 2>/dev/null || continue
    [[ "$comm" =~ ^(munged|slurmctld|slurmd|slurmstepd|slurmscriptd)$ ]] || continue
    stat=${stat##*) }
    [[ "${stat:0:1}" != Z ]] || continue
    if grep -qzxF "VCM_HUNT_SLURM_STATE_DIR=$state" "/proc/$pid/environ" 2>/dev/null; then
      echo "$pid $comm"; continue
    fi
    for link in "/proc/$pid/cwd" "/proc/$pid"/fd/*; do
      target=$(readlink "$link" 2>/dev/null) || continue
      if [[ "$target" == "$state" || "$target" == "$state"/* ]]; then echo "$pid $comm"; break; fi
    done
  done
}

cleanup() {
  local rc=$? left
  trap - EXIT INT TERM
  set +e
  if ! "$cluster" stop "$state"; then
    log "FAIL: one_node_cluster.sh stop failed"
    rc=1
  fi
  left=$(leftover_daemons)
  if [[ -n "$left" ]]; then
    log "FAIL: daemons still running after stop (kept $tmp):"$'\n'"$left"
    exit 1
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Everything that helps to understand a failed or stuck submission.
diagnostics() {
  local f
  {
    echo "----- squeue -t all -----"
    squeue -t all -o '%.12i %.10T %.24r %j' 2>&1 || true
    for f in "$state/log/jobcomp.txt" "$state/log/slurmctld.log" "$state/log/slurmd.log"; do
      [[ -s "$f" ]] || continue
      echo "----- tail of $f -----"
      tail -n 30 "$f"
    done
    for f in "$submit"/*.out; do
      [[ -e "$f" ]] || continue
      echo "----- $f -----"
      cat "$f"
    done
  } >&2
}

t_total=$EPOCHREALTIME

# --- the cluster ---------------------------------------------------------------------------------
t=$EPOCHREALTIME
conf=$("$cluster" start "$state") || die "the one-node cluster did not start"
eval "$conf"
[[ -n "${SLURM_CONF:-}" ]] || die "one_node_cluster.sh start printed no SLURM_CONF: $conf"
time_start=$(since "$t")

# --- the local, unsharded hunt -------------------------------------------------------------------
t=$EPOCHREALTIME
status=0
"$vcm" hunt "$scenario" --policies "$POLICIES" --seeds "$SEEDS" --no-record -q \
  -o "$tmp/local.db" >"$tmp/local.out" 2>&1 || status=$?
if ((status > 1)) || [[ ! -s "$tmp/local.db" ]]; then
  cat "$tmp/local.out" >&2
  die "the local hunt exited with status $status (0 or 1 expected, and local.db)"
fi
time_local=$(since "$t")

# --- the same hunt on Slurm ----------------------------------------------------------------------
t=$EPOCHREALTIME
if ! (cd "$submit" && VCM=$submit_vcm "$recipe" "$scenario" "$POLICIES" "$SEEDS" "$SHARDS" "$out") \
  >"$tmp/submit.txt"; then
  diagnostics
  die "vcm-hunt-on-slurm.sh failed"
fi
array_job=$(sed -n 's/^array job \([0-9][0-9]*\)$/\1/p' "$tmp/submit.txt")
merge_job=$(sed -n 's/^merge job \([0-9][0-9]*\)$/\1/p' "$tmp/submit.txt")
[[ -n "$array_job" && -n "$merge_job" ]] ||
  die "vcm-hunt-on-slurm.sh printed no job ids: $(cat "$tmp/submit.txt")"
log "submitted array job $array_job ($SHARDS tasks) and merge job $merge_job"

# Poll squeue (pending/running jobs only) until neither job is listed. An array shows as
# ID_[0-3] while tasks are pending and ID_K for a started task.
deadline=$((SECONDS + WAIT_TIMEOUT))
time_array="" time_merge=""
while :; do
  if ! jobs=$(squeue -h -j "$array_job,$merge_job" -o '%i' 2>&1); then
    log "squeue failed: $jobs"
    jobs="?"
  fi
  if [[ -z "$time_array" ]] && ! grep -qE "^${array_job}(_|$)" <<<"$jobs" && [[ "$jobs" != "?" ]]; then
    time_array=$(since "$t")
    t_merge=$EPOCHREALTIME
  fi
  if [[ -z "$jobs" ]]; then
    time_merge=$(since "$t_merge")
    break
  fi
  if ((SECONDS >= deadline)); then
    diagnostics
    die "the jobs did not finish within ${WAIT_TIMEOUT}s"
  fi
  sleep 0.5
done

# --- how the jobs ended: log/jobcomp.txt has one line per array task and one for the merge job
# (written when a job ends; allow a moment in case the file lags behind squeue).
jobcomp=$state/log/jobcomp.txt
job_state() {   # the JobState and ExitCode in jobcomp.txt lines matching $1
  grep -E "$1" "$jobcomp" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\) .* ExitCode=\([0-9:]*\).*/\1 \2/p' | tail -n1
}
deadline=$((SECONDS + 10))
while :; do
  missing=0
  for ((k = 0; k < SHARDS; k++)); do
    [[ -n "$(job_state " ArrayJobId=$array_job ArrayTaskId=$k ")" ]] || missing=1
  done
  [[ -n "$(job_state "^JobId=$merge_job ")" ]] || missing=1
  ((missing == 0 || SECONDS >= deadline)) && break
  sleep 0.2
done
bad=""
for ((k = 0; k < SHARDS; k++)); do
  s=$(job_state " ArrayJobId=$array_job ArrayTaskId=$k ")
  [[ "$s" == "COMPLETED "* ]] || bad+="  array task ${array_job}_$k: ${s:-no jobcomp.txt line}"$'\n'
done
s=$(job_state "^JobId=$merge_job ")
[[ "$s" == "COMPLETED "* ]] || bad+="  merge job $merge_job: ${s:-no jobcomp.txt line}"$'\n'
if [[ -n "$bad" ]]; then
  diagnostics
  die "jobs that did not complete (JobState ExitCode):"$'\n'"${bad%$'\n'}"
fi

# --- the results -----------------------------------------------------------------------------------
[[ -s "$out/hunt.db" ]] || { diagnostics; die "the merge job COMPLETED but wrote no $out/hunt.db"; }
query() { "$vcm" query "$1" "$2" --format csv; }
sql="SELECT $COLUMNS_BUT_HOST_SECONDS FROM hunt_run ORDER BY policy, seed"
query "$tmp/local.db" "$sql" >"$tmp/local.csv" || die "vcm query failed on local.db"
query "$out/hunt.db" "$sql" >"$tmp/hunt.csv" || die "vcm query failed on hunt.db"
if ! diff -u "$tmp/local.csv" "$tmp/hunt.csv" >"$tmp/diff.txt"; then
  head -n 40 "$tmp/diff.txt" >&2
  die "the hunt on Slurm differs from the local hunt (diff local.csv hunt.csv above)"
fi
count() { query "$out/hunt.db" "SELECT count(*) FROM hunt_run $1" | tail -n1; }
rows=$(count "")
native_failures=$(count "WHERE policy = 'native' AND failed")
xen_failures=$(count "WHERE policy = 'xen' AND failed")
((rows == 2 * SEEDS)) || die "hunt.db has $rows rows, expected $((2 * SEEDS))"
((native_failures >= 1)) || die "no native run failed: the comparison would prove little"
((xen_failures == 0)) || die "$xen_failures xen runs failed; expected none"
merge_out=$submit/vcm-hunt-merge-$merge_job.out
grep -qE '^native +40 ' "$merge_out" 2>/dev/null ||
  { diagnostics; die "the merge job's output has no report ($merge_out)"; }

# --- stop (the EXIT trap stops again: a no-op) ---------------------------------------------------------
t=$EPOCHREALTIME
"$cluster" stop "$state" || die "one_node_cluster.sh stop failed"
time_stop=$(since "$t")
left=$(leftover_daemons)
[[ -z "$left" ]] || die "daemons still running after stop:"$'\n'"$left"

echo "PASS: hunt on Slurm ($SHARDS shards) == local hunt: $rows runs, native $native_failures failed, xen 0;" \
  "cluster start ${time_start}s, local hunt ${time_local}s, array job ${time_array}s, merge job ${time_merge}s," \
  "stop ${time_stop}s, total $(since "$t_total")s"

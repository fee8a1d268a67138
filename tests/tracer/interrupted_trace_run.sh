#!/usr/bin/env bash
# `vcm run --trace` ended by a signal leaves no LTTng daemon behind and a trace that ingests (issue 20,
# defect 7): Ctrl-C as a terminal sends it (SIGINT to vcm's whole process group), SIGTERM to vcm alone, and
# SIGKILL (vcm cannot clean up: its daemons must still go).
#
# vcm starts its own lttng-sessiond only when none is reachable, and the tests' fixture keeps one running, so
# each case runs in a private mount namespace with an empty /var/run/lttng: there, vcm's daemons are the only
# ones, and they are recognised as the processes of this mount namespace. Root only (unshare, mount).
#
#   bash tests/tracer/interrupted_trace_run.sh VCM_BINARY SCENARIO_DIR
set -euo pipefail

if [[ "${1:-}" != --inside ]]; then
  [[ $# -eq 2 ]] || { echo "usage: $0 VCM_BINARY SCENARIO_DIR" >&2; exit 2; }
  status=0
  for signal in INT TERM KILL; do
    unshare --mount --propagation private bash "$0" --inside "$1" "$2" "$signal" || status=1
  done
  exit $status
fi

vcm=$2 scenarios=$3 signal=$4
mount -t tmpfs none /var/run/lttng
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(readlink /proc/self/ns/mnt)
# The LTTng daemons of this mount namespace: vcm's, since /var/run/lttng here is empty.
ours() {
  local pid
  for pid in $(pgrep -x 'lttng-sessiond|lttng-consumerd|lttng-relayd' || true); do
    [[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" == "$here" ]] || continue
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && continue # exited, not yet reaped
    echo "$pid"
  done
}
fail() { echo "interrupted_trace_run ($signal): FAIL: $*" >&2; exit 1; }

# U-Boot to its prompt: about a second of host time, long enough to be interrupted half-way.
setsid "$vcm" run "$scenarios/uboot-prompt.toml" --trace "$work/trace" >"$work/out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [[ -d "$work/trace" ]] && break; sleep 0.05; done
sleep 0.5
[[ -n "$(ours)" ]] || fail "vcm started no lttng-sessiond (is one reachable outside the namespace?)"
case $signal in
  INT) kill -INT -- "-$pid" ;; # the terminal's Ctrl-C: the whole process group
  *) kill "-$signal" "$pid" ;;
esac
status=0
wait "$pid" || status=$?
for _ in $(seq 1 100); do [[ -z "$(ours)" ]] && break; sleep 0.1; done
[[ -z "$(ours)" ]] || fail "LTTng daemons left running: $(ours | xargs)"
if [[ $signal != KILL ]]; then
  [[ $status -eq 130 ]] || fail "vcm exited with $status, not 130: $(cat "$work/out")"
  grep -q "interrupted: the run stopped after" "$work/out" || fail "no interruption summary: $(cat "$work/out")"
  "$vcm" ingest -q "$work/trace" -o "$work/trace.db" >/dev/null || fail "the partial trace does not ingest"
fi
echo "interrupted_trace_run ($signal): vcm exit $status, no daemon left"

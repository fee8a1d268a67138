#!/usr/bin/env bash
# CTest fixture for the tracing tests: one lttng-sessiond for all of them (started only if none runs), so each
# test process finds a daemon at start-up instead of starting and stopping its own.
#   sessiond_fixture.sh start STATEFILE | stop STATEFILE
# STATEFILE records the LTTng daemons that existed before; stop ends only the ones started since, the session
# daemon first (it shuts its consumer daemons down), then any consumer daemon left behind, which would
# otherwise hold the consumer socket and hang the next session daemon.
set -euo pipefail
action=$1
statefile=$2
daemons() { (pgrep -x "$1" || true) | tr '\n' ' '; }
started_since() {
    local before=$1 name=$2
    for pid in $(daemons "$name"); do [[ "$before" == *" $pid "* ]] || echo "$pid"; done
}
case "$action" in
start)
    rm -f "$statefile"
    if lttng --no-sessiond list >/dev/null 2>&1; then
        echo "a session daemon is already running; the tests share it"
        exit 0
    fi
    echo " $(daemons lttng-sessiond) $(daemons lttng-consumerd) " >"$statefile"
    # --daemonize: the daemon must outlive this script (ctest ends the fixture's process group). A daemon of
    # another process that is shutting down still holds the per-user lock for a moment, and the start fails:
    # wait for either daemon to answer, and try again, three times.
    for attempt in 1 2 3; do
        lttng-sessiond --no-kernel --quiet --daemonize 2>/dev/null || echo "lttng-sessiond start $attempt failed" >&2
        for _ in $(seq 100); do
            lttng --no-sessiond list >/dev/null 2>&1 && exit 0
            sleep 0.1
        done
    done
    echo "lttng-sessiond did not become reachable" >&2
    exit 1
    ;;
stop)
    [[ -f "$statefile" ]] || exit 0
    before=$(cat "$statefile")
    for pid in $(started_since "$before" lttng-sessiond); do
        [[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" == 1 ]] && kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 50); do
        [[ -z "$(started_since "$before" lttng-sessiond)" ]] && break
        sleep 0.1
    done
    for pid in $(started_since "$before" lttng-sessiond) $(started_since "$before" lttng-consumerd); do
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -f "$statefile"
    ;;
esac

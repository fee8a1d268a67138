#!/usr/bin/env bash
# CTest fixture for the tracing tests: one lttng-sessiond for all of them (started only if none runs), so each
# test process finds a daemon at start-up instead of starting and stopping its own.
#   sessiond_fixture.sh start PIDFILE | stop PIDFILE
set -euo pipefail
action=$1
pidfile=$2
case "$action" in
start)
    rm -f "$pidfile"
    if lttng --no-sessiond list >/dev/null 2>&1; then
        echo "a session daemon is already running; the tests share it"
        exit 0
    fi
    # --daemonize: the daemon must outlive this script (ctest ends the fixture's process group). Its pid is the
    # daemon parent that did not exist before (a previous one may still be shutting down).
    before=" $(pgrep -x lttng-sessiond | tr '\n' ' ') "
    lttng-sessiond --no-kernel --quiet --daemonize
    for _ in $(seq 100); do
        if lttng --no-sessiond list >/dev/null 2>&1; then
            for pid in $(pgrep -x -P 1 lttng-sessiond); do
                [[ "$before" == *" $pid "* ]] || echo "$pid" >"$pidfile"
            done
            exit 0
        fi
        sleep 0.1
    done
    echo "lttng-sessiond did not become reachable" >&2
    exit 1
    ;;
stop)
    if [[ -f "$pidfile" ]]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    fi
    ;;
esac

#!/usr/bin/env bash
# Brings up / tears down a real one-node Slurm cluster (munged + slurmctld + slurmd) on this machine,
# from Debian 12's packages (slurmctld slurmd slurm-client munge; Slurm 22.05, MUNGE 0.5.15), for tests
# that submit jobs (e.g. `sbatch --array=0-3 ...`) and wait for them.
#
#   one_node_cluster.sh start STATE_DIR   # prints `export SLURM_CONF=STATE_DIR/slurm.conf` on stdout
#   one_node_cluster.sh stop  STATE_DIR   # stops every daemon that `start` launched for STATE_DIR
#
#   eval "$(tests/hunt/slurm/one_node_cluster.sh start /tmp/x)"; sbatch --wait ...; ...stop /tmp/x
#
# Root only: the daemons run as root (SlurmUser=SlurmdUser=root, munged as root) and jobs are expected
# to be submitted by root. No sudo, no systemd/service, nothing in /etc/slurm or /etc/munge: every file
# the cluster writes (config, munge key, socket, state, spool, logs, pid files) lives under STATE_DIR,
# an absolute path the caller chooses. Clients find the cluster through SLURM_CONF only; slurm.conf in
# turn names the munge socket (AuthInfo=socket=...), so no client needs any other option.
#
# Layout of STATE_DIR (start wipes and recreates exactly these entries, nothing else):
#   slurm.conf plugstack.conf    generated configuration
#   munge/                       munge.key munged.seed munged.pid (0700)
#   munge-socket/munge.socket    the MUNGE socket
#   log/                         munged.log slurmctld.log slurmd.log jobcomp.txt (+ daemons' stderr)
#   run/                         slurmctld.pid slurmd.pid
#   state/ spool/                StateSaveLocation, SlurmdSpoolDir
#
# Finished jobs: there is no slurmdbd, so sacct does not work (accounting_storage/none). Use
# `scontrol show job ID` / `squeue -t all` (kept for MinJobAge, 300 s by default) or log/jobcomp.txt
# (jobcomp/filetxt: one line per finished job or array task, with JobState= and ExitCode=).
set -euo pipefail

readonly START_TIMEOUT=${ONE_NODE_CLUSTER_START_TIMEOUT:-60}   # seconds for the node to become idle
readonly STOP_TIMEOUT=15    # seconds a daemon gets after SIGTERM before SIGKILL
readonly CLUSTER_NAME=vcmhunt
readonly PARTITION=hunt
# Every daemon is started with this variable in its environment (value: STATE_DIR). `stop` uses it to
# find daemons whose pid file is missing (a start that failed half-way). slurmstepd (forked by slurmd
# per job step) starts with an empty environment; it is recognised by its open files instead (slurmd's
# log, its socket in SlurmdSpoolDir, its cwd: all under STATE_DIR).
readonly MARKER=VCM_HUNT_SLURM_STATE_DIR

log() { echo "one_node_cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 start|stop STATE_DIR   (STATE_DIR absolute; start prints 'export SLURM_CONF=...')" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
action=$1
state_dir=${2%/}
[[ "$state_dir" == /* ]] || die "STATE_DIR must be an absolute path: $2"
# slurm.conf values are neither quoted nor escaped, and AuthInfo is a comma-separated list.
[[ "$state_dir" =~ ^[A-Za-z0-9_./+-]+$ ]] || die "STATE_DIR may only contain [A-Za-z0-9_./+-]: $2"
[[ $(id -u) -eq 0 ]] || die "must run as root (the daemons run as root; no sudo is used)"

conf=$state_dir/slurm.conf
munge_dir=$state_dir/munge
socket_dir=$state_dir/munge-socket
munge_socket=$socket_dir/munge.socket
log_dir=$state_dir/log
run_dir=$state_dir/run
# sun_path holds 108 bytes including the terminating NUL.
(( ${#munge_socket} < 108 )) || die "STATE_DIR too long for a unix socket path: $munge_socket"

# --- process helpers --------------------------------------------------------------------------------

# True if PID is alive, not a zombie, and its command name is NAME.
pid_is() {
  local pid=$1 name=$2 comm stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
  [[ "$comm" == "$name" ]] || return 1
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }          # /proc/PID/stat: "pid (comm) STATE ..."
  [[ "${stat:0:1}" != Z ]]
}

# True if the pid in PIDFILE is a live NAME process.
pidfile_alive() {
  local pid=""
  { read -r pid <"$1"; } 2>/dev/null || return 1
  pid_is "$pid" "$2"
}

# True if PID's cwd or one of its open files is under STATE_DIR.
uses_state_dir() {
  local link target
  for link in "/proc/$1/cwd" "/proc/$1"/fd/*; do
    target=$(readlink "$link" 2>/dev/null) || continue
    [[ "$target" == "$state_dir" || "$target" == "$state_dir"/* ]] && return 0
  done
  return 1
}

# PIDs of the NAME processes that belong to this STATE_DIR: the one in PIDFILE (if any) plus every
# NAME process carrying MARKER=STATE_DIR in its environment or using files under STATE_DIR.
cluster_pids() {
  local name=$1 pidfile=${2:-} pid env_file
  {
    if [[ -n "$pidfile" ]] && pidfile_alive "$pidfile" "$name"; then
      read -r pid <"$pidfile"
      echo "$pid"
    fi
    for env_file in /proc/[0-9]*/environ; do
      pid=${env_file#/proc/}
      pid=${pid%/environ}
      pid_is "$pid" "$name" || continue
      if grep -qzxF "$MARKER=$state_dir" "$env_file" 2>/dev/null || uses_state_dir "$pid"; then
        echo "$pid"
      fi
    done
  } | sort -un
}

# Sends SIGTERM to the NAME processes of this cluster, waits up to STOP_TIMEOUT s, then SIGKILLs.
stop_daemon() {
  local name=$1 pidfile=${2:-} pids deadline
  pids=$(cluster_pids "$name" "$pidfile")
  if [[ -z "$pids" ]]; then
    rm -f "$pidfile"
    return 0
  fi
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while ((SECONDS < deadline)); do
    pids=$(for p in $pids; do pid_is "$p" "$name" && echo "$p"; done)
    [[ -z "$pids" ]] && break
    sleep 0.1
  done
  if [[ -n "$pids" ]]; then
    log "$name (${pids//$'\n'/ }) ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while ((SECONDS < deadline)); do
      pids=$(for p in $pids; do pid_is "$p" "$name" && echo "$p"; done)
      [[ -z "$pids" ]] && break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  [[ -z "$pids" ]] || { log "$name (${pids//$'\n'/ }) survived SIGKILL"; return 1; }
}

any_daemon_alive() {
  [[ -n "$(cluster_pids munged "$munge_dir/munged.pid")$(cluster_pids slurmctld "$run_dir/slurmctld.pid")$(cluster_pids slurmd "$run_dir/slurmd.pid")$(cluster_pids slurmstepd)$(cluster_pids slurmscriptd)" ]]
}

# --- stop ---------------------------------------------------------------------------------------------

do_stop() {
  local rc=0 deadline
  [[ -d "$state_dir" ]] || return 0
  # Cancel all jobs (the only partition) first, so that the slurmstepds end the job processes: both
  # would outlive slurmd.
  if [[ -f "$conf" && -n "$(cluster_pids slurmctld "$run_dir/slurmctld.pid")" ]]; then
    SLURM_CONF=$conf timeout 10 scancel --quiet --partition="$PARTITION" >/dev/null 2>&1 || true
    deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)) && [[ -n "$(cluster_pids slurmstepd)" ]]; do sleep 0.2; done
  fi
  # Order: slurmd, slurmctld, then munged, which both Slurm daemons use until they exit.
  stop_daemon slurmd "$run_dir/slurmd.pid" || rc=1
  stop_daemon slurmstepd || rc=1
  stop_daemon slurmctld "$run_dir/slurmctld.pid" || rc=1
  stop_daemon slurmscriptd || rc=1   # slurmctld's helper; normally exits with it
  stop_daemon munged "$munge_dir/munged.pid" || rc=1
  rm -f "$munge_socket" "$munge_socket.lock"
  return $rc
}

# --- start --------------------------------------------------------------------------------------------

# True if nothing listens on TCP port $1 (IPv4 or IPv6). /proc/net/tcp*: st 0A = LISTEN.
port_free() {
  local hex
  hex=$(printf '%04X' "$1")
  ! awk -v h=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h {found = 1}
                     END {exit !found}' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# First free port >= $1 (and != $2).
pick_port() {
  local p=$1
  while ((p < 65000)); do
    if [[ "$p" != "${2:-}" ]] && port_free "$p"; then echo "$p"; return 0; fi
    p=$((p + 1))
  done
  die "no free TCP port found from $1"
}

print_logs() {
  local f
  for f in "$log_dir"/*; do
    [[ -s "$f" ]] || continue
    echo "----- tail of $f -----" >&2
    tail -n 25 "$f" >&2
  done
}

start_failed() {
  log "start failed (exit status $?); logs follow, then the daemons started so far are stopped"
  print_logs
  do_stop || true
}

# Waits up to $2 s for file $1 to exist and be non-empty.
wait_for_file() {
  local deadline=$((SECONDS + $2))
  while [[ ! -s "$1" ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

do_start() {
  local t0=$SECONDS node node_line cpus boards sockets cores threads mem ctld_port slurmd_port
  mkdir -p "$state_dir"
  if any_daemon_alive; then
    die "daemons of a cluster in $state_dir are still running; run '$0 stop $state_dir' first"
  fi
  trap start_failed EXIT

  # A fresh cluster every time: no job ids, node states or munge seed carried over from a previous run.
  rm -rf "$conf" "$state_dir/plugstack.conf" "$munge_dir" "$socket_dir" "$log_dir" "$run_dir" \
    "$state_dir/state" "$state_dir/spool"
  mkdir -p "$log_dir" "$run_dir" "$state_dir/state" "$state_dir/spool"
  chmod 0700 "$log_dir"    # munged refuses a log directory writable by group/other
  mkdir -m 0700 "$munge_dir"
  # munged wants a+x on the socket's directory (and on all its ancestors: see --force below).
  mkdir -m 0755 "$socket_dir"

  # --- node description: what slurmd itself detects, so that slurmd does not drain the node for a
  # mismatch. The node is named after `hostname -s` (slurmd looks itself up by that name, and we pass
  # -N anyway), but is reached at 127.0.0.1 (NodeAddr) so the hostname never has to resolve.
  node=$(hostname -s)
  [[ "$node" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || die "unusable short hostname for a NodeName: '$node'"
  # (No `| head -n1`: with pipefail, slurmd may die of SIGPIPE writing its second line, UpTime=.)
  node_line=$(env -u SLURM_CONF slurmd -C) || die "'slurmd -C' failed"
  node_line=$(grep -m1 '^NodeName=' <<<"$node_line") || die "'slurmd -C' printed no NodeName line"
  field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$node_line"; }
  cpus=$(field CPUs) boards=$(field Boards) sockets=$(field SocketsPerBoard)
  cores=$(field CoresPerSocket) threads=$(field ThreadsPerCore) mem=$(field RealMemory)
  [[ -n "$cpus" && -n "$boards" && -n "$sockets" && -n "$cores" && -n "$threads" && -n "$mem" ]] ||
    die "cannot parse 'slurmd -C': $node_line"

  # Slurm's registered ports if free, else the next free ones (another Slurm may own 6817/6818).
  ctld_port=$(pick_port 6817)
  slurmd_port=$(pick_port $((ctld_port + 1)) "$ctld_port")

  : >"$state_dir/plugstack.conf"   # keep slurmd/srun away from /etc/slurm/plugstack.conf
  cat >"$conf" <<EOF
# Generated by tests/hunt/slurm/one_node_cluster.sh for a throw-away one-node cluster. Do not edit.
ClusterName=$CLUSTER_NAME
# hostname -s is what slurmctld compares against to know it is the controller; the address in
# parentheses spares every client and slurmd a lookup of the hostname (which may not resolve).
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root

# MUNGE through our own munged: AuthInfo=socket= is read by both auth/munge and cred/munge.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket

# Everything the daemons write stays in STATE_DIR.
StateSaveLocation=$state_dir/state
SlurmdSpoolDir=$state_dir/spool
SlurmctldPidFile=$run_dir/slurmctld.pid
SlurmdPidFile=$run_dir/slurmd.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$state_dir/plugstack.conf
MailProg=/bin/true

# No cgroups anywhere (none may be writable here): processes are tracked through /proc, no task
# binding, no accounting gather. No slurmdbd: accounting_storage/none; finished jobs are written
# one per line to log/jobcomp.txt instead.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$log_dir/jobcomp.txt
SwitchType=switch/none
MpiDefault=none

# Cores are the consumable resource, so an array job runs one task per core at the same time.
SchedulerType=sched/backfill
# Array tasks are not started at submit time but by the event-driven scheduler pass, which 22.05 runs
# at most every batch_sched_delay seconds (default 3): 0 makes each wave start within ~1 s.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A node that was DOWN (e.g. slurmd restarted) becomes usable again as soon as it registers.
ReturnToService=2
# Cancelled jobs get SIGKILL 5 s after SIGTERM (default 30 s), so that stop is quick.
KillWait=5

NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

  # --- munged. --force: munged insists that every ancestor of the socket be a+x, which a caller's
  # mktemp -d (0700) is not; all clients are root, so accessibility for others does not matter.
  mungekey --create --keyfile="$munge_dir/munge.key"
  env "$MARKER=$state_dir" munged --force \
    --socket="$munge_socket" --key-file="$munge_dir/munge.key" --pid-file="$munge_dir/munged.pid" \
    --log-file="$log_dir/munged.log" --seed-file="$munge_dir/munged.seed" \
    </dev/null >>"$log_dir/munged.stderr" 2>&1
  wait_for_file "$munge_dir/munged.pid" 10 || die "munged wrote no pid file"
  munge --socket="$munge_socket" --no-input | unmunge --socket="$munge_socket" >/dev/null ||
    die "munged does not answer on $munge_socket"

  # --- slurmctld and slurmd: both daemonize; stdio goes to files so that no daemon holds the stdout
  # of `start` (the caller reads it through $(...), which would never end). -i: ignore missing state.
  env "$MARKER=$state_dir" SLURM_CONF="$conf" slurmctld -f "$conf" -i \
    </dev/null >>"$log_dir/slurmctld.stderr" 2>&1 || die "slurmctld refused to start"
  env "$MARKER=$state_dir" SLURM_CONF="$conf" slurmd -f "$conf" -N "$node" \
    </dev/null >>"$log_dir/slurmd.stderr" 2>&1 || die "slurmd refused to start"

  # --- wait until the node registered and is idle.
  local deadline=$((SECONDS + START_TIMEOUT)) state=""
  while :; do
    state=$(SLURM_CONF=$conf timeout 5 sinfo --noheader --Node --nodes="$node" --format=%t 2>/dev/null || true)
    [[ "$state" == idle ]] && break
    if ((SECONDS >= deadline)); then die "node $node not idle after ${START_TIMEOUT}s (state: '${state}')"; fi
    # Fail fast if a daemon died (its pid file outlives it); the Slurm ones write theirs late.
    pidfile_alive "$munge_dir/munged.pid" munged || die "munged died"
    if [[ -s "$run_dir/slurmctld.pid" ]]; then pidfile_alive "$run_dir/slurmctld.pid" slurmctld || die "slurmctld died"; fi
    if [[ -s "$run_dir/slurmd.pid" ]]; then pidfile_alive "$run_dir/slurmd.pid" slurmd || die "slurmd died"; fi
    sleep 0.2
  done

  trap - EXIT
  log "cluster $CLUSTER_NAME up in $((SECONDS - t0))s: node $node ($cpus CPUs, $cores cores/socket)," \
    "partition $PARTITION, slurmctld port $ctld_port, slurmd port $slurmd_port"
  echo "export SLURM_CONF=$conf"
}

case "$action" in
  start) do_start ;;
  stop)
    if do_stop; then
      exit 0
    else
      die "some daemons of $state_dir could not be stopped"
    fi
    ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# start-local-slurm.sh: bring up a single-node Slurm cluster (this machine)
# for the Slurm executor's tests and for trying `runner apply --executor slurm`.
#
# Debian 12, as root, with or without systemd: the daemons are started
# directly, never through systemctl or init scripts. Idempotent: when
# everything is up it only checks and prints sinfo (about 0.2 s).
#
#   1. installs slurm-wlm (slurmctld, slurmd, slurm-client) and munge when
#      missing (apt-get update only then)
#   2. creates a munge key when absent and starts munged
#   3. writes /etc/slurm/slurm.conf for one node = this machine
#   4. starts slurmctld and slurmd, records their PIDs in /run/runner-slurm/
#   5. waits until the node is idle (SLURM_LOCAL_TIMEOUT, default 60 s) and
#      prints sinfo
#
# stop-local-slurm.sh stops only the daemons recorded here, by PID.
#
# Environment (optional):
#   SLURM_LOCAL_PARTITION   partition name (default: debug)
#   SLURM_LOCAL_TIMEOUT     seconds to wait for the node (default: 60)
#   SLURM_LOCAL_FORCE_CONF  1: replace an /etc/slurm/slurm.conf this script did
#                           not write (a backup is kept)
set -euo pipefail

PARTITION="${SLURM_LOCAL_PARTITION:-debug}"
TIMEOUT="${SLURM_LOCAL_TIMEOUT:-60}"
CONF=/etc/slurm/slurm.conf
RUN_DIR=/run/runner-slurm       # <daemon>.pid: the PIDs this script started
SPOOL=/var/spool/runner-slurm   # StateSaveLocation, SlurmdSpoolDir
LOG_DIR=/var/log/runner-slurm
MARKER="# written by runner scripts/slurm/start-local-slurm.sh"

log() { printf '[start-local-slurm] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
t0=$(date +%s.%N)

alive() { # alive PID NAME: PID runs NAME (and is not a zombie)
  [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
pidof_file() { [ -r "$1" ] && head -n1 "$1" | tr -dc '0-9' || true; }

# --- 1. packages ---------------------------------------------------------------
missing=()
for cmd in slurmctld slurmd sbatch munged; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$cmd")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing slurm-wlm and munge (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=/var/tmp/runner-slurm-apt.log
  # DPkg::Lock::Timeout: wait for a concurrent apt run instead of failing.
  { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
      slurm-wlm slurmctld slurmd slurm-client munge; } >"$apt_log" 2>&1 \
    || { tail -n 30 "$apt_log" >&2; die "apt-get failed (log: $apt_log)"; }
fi
getent passwd slurm >/dev/null || die "user slurm missing after the install"
getent passwd munge >/dev/null || die "user munge missing after the install"

# --- 2. munge --------------------------------------------------------------------
install -d -m 0755 "$RUN_DIR"
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating the munge key"
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile=/etc/munge/munge.key
  else
    head -c 1024 /dev/urandom >/etc/munge/munge.key
  fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
  log "starting munged"
  force=()
  alive "$(pidof_file /run/munge/munged.pid)" munged || force=(--force) # stale socket
  runuser -u munge -- /usr/sbin/munged "${force[@]}"
  for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
  munge_ok || die "munged did not come up (see /var/log/munge/munged.log)"
  pidof_file /run/munge/munged.pid >"$RUN_DIR/munged.pid"
fi

# --- 3. slurm.conf -----------------------------------------------------------------
host=$(hostname -s)
cpus=$(nproc)
mem_total=$(free -m | awk '/^Mem:/ {print $2}')
# Leave the system a margin: 10 % but at least 256 MB.
margin=$(( mem_total / 10 > 256 ? mem_total / 10 : 256 ))
mem=$(( mem_total - margin ))
[ "$mem" -gt 0 ] || mem=$mem_total

install -d -o slurm -g slurm -m 0755 "$SPOOL/ctld" "$LOG_DIR"
install -d -m 0755 "$SPOOL/d" /etc/slurm

conf=$(cat <<CONF
$MARKER
# One node (this machine), one partition. Regenerated on every start.
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$RUN_DIR/slurmctld.daemon.pid
SlurmdPidFile=$RUN_DIR/slurmd.daemon.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# No cgroups (containers and VMs without a delegated cgroup tree), no cgroup.conf.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No accounting database, so no sacct: read job states with squeue/scontrol.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Start batch jobs at submit time (the default delay costs about 2 s per job).
SchedulerParameters=batch_sched_delay=0
# Cancel jobs whose dependency can never be satisfied instead of leaving them
# PENDING (DependencyNeverSatisfied). Not valid under SchedulerParameters.
DependencyParameters=kill_invalid_depend
ReturnToService=2
# Finished jobs stay visible to squeue -t all / scontrol for 10 minutes.
MinJobAge=600
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
)

changed=0
if [ -f "$CONF" ] && ! grep -qxF "$MARKER" "$CONF"; then
  [ "${SLURM_LOCAL_FORCE_CONF:-0}" = 1 ] ||
    die "$CONF was not written by this script; set SLURM_LOCAL_FORCE_CONF=1 to replace it (a backup is kept)"
  cp -p "$CONF" "$CONF.bak.$(date +%Y%m%d%H%M%S)"
fi
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$conf" ]; then
  log "writing $CONF ($cpus CPUs, RealMemory=$mem MB)"
  printf '%s\n' "$conf" >"$CONF.tmp"
  chmod 0644 "$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
  changed=1
fi

# --- 4. daemons --------------------------------------------------------------------
stop_recorded() { # stop_recorded NAME: stop a daemon this script started
  local pid
  pid=$(pidof_file "$RUN_DIR/$1.pid")
  if alive "$pid" "$1"; then
    log "stopping $1 (pid $pid) to apply the new config"
    kill -TERM "$pid"
    for _ in $(seq 100); do alive "$pid" "$1" || break; sleep 0.1; done
    if alive "$pid" "$1"; then kill -KILL "$pid"; fi
  fi
  rm -f "$RUN_DIR/$1.pid"
}

start() { # start NAME: start slurmctld or slurmd unless the recorded one runs
  local name=$1 pid
  pid=$(pidof_file "$RUN_DIR/$name.pid")
  if alive "$pid" "$name"; then return 0; fi
  pid=$(pidof_file "$RUN_DIR/$name.daemon.pid")
  if alive "$pid" "$name"; then
    die "$name (pid $pid) runs but was not recorded by this script; stop it first"
  fi
  log "starting $name"
  "/usr/sbin/$name" # forks into the background and writes its pid file
  for _ in $(seq 100); do
    pid=$(pidof_file "$RUN_DIR/$name.daemon.pid")
    alive "$pid" "$name" && break
    sleep 0.1
  done
  if ! alive "$pid" "$name"; then
    tail -n 20 "$LOG_DIR/$name.log" >&2 || true
    die "$name did not start (log: $LOG_DIR/$name.log)"
  fi
  echo "$pid" >"$RUN_DIR/$name.pid"
  started_at=$(date +%s)
}

if [ "$changed" = 1 ]; then
  stop_recorded slurmd
  stop_recorded slurmctld
fi
started_at=0
start slurmctld
for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
started_at=0
start slurmd
slurmd_started=$started_at

# --- 5. wait for the node ------------------------------------------------------------
# slurmctld restores the node's last state from its state files, so "idle"
# alone does not prove that a freshly started slurmd registered: also require
# a SlurmdStartTime no older than its launch.
registered() {
  [ "$slurmd_started" = 0 ] && return 0
  local t
  t=$(scontrol -o show node "$host" 2>/dev/null | tr ' ' '\n' | sed -n 's/^SlurmdStartTime=//p')
  [ -n "$t" ] && [ "$t" != None ] &&
    [ "$(date -d "$t" +%s 2>/dev/null || echo 0)" -ge $(( slurmd_started - 1 )) ]
}
deadline=$(( $(date +%s) + TIMEOUT ))
resumed=0
while :; do
  state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -n1 || true)
  case "$state" in
    idle | mixed | allocated | completing) registered && break ;;
    down* | drain* | fail*)
      if [ "$resumed" = 0 ]; then
        log "node is $state; resuming it"
        scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
        resumed=1
      fi ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    scontrol show node "$host" >&2 || true
    die "node $host not ready after ${TIMEOUT}s (state '${state:-unknown}')"
  fi
  sleep 0.2
done
log "ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')s ($(sinfo -V))"
sinfo

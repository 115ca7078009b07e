#!/usr/bin/env bash
# stop-local-slurm.sh: stop the single-node cluster of start-local-slurm.sh.
# Cancels the jobs left in it, then stops slurmd, slurmctld and munged, but
# only the PIDs that start-local-slurm.sh recorded in /run/runner-slurm/ and
# only while they still run the expected command. Nothing is killed by name.
# Safe to run twice.
#   --purge  also delete the cluster's state and logs (/var/spool/runner-slurm,
#            /var/log/runner-slurm); packages, slurm.conf and the munge key stay.
set -euo pipefail

RUN_DIR=/run/runner-slurm
purge=0
for a in "$@"; do
  case "$a" in
    --purge) purge=1 ;;
    *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
  esac
done
log() { printf '[stop-local-slurm] %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "ERROR: must run as root"; exit 1; }
alive() { # alive PID NAME: PID runs NAME (and is not a zombie)
  [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
pidof_file() { [ -r "$1" ] && head -n1 "$1" | tr -dc '0-9' || true; }

ctld=$(pidof_file "$RUN_DIR/slurmctld.pid")
if alive "$ctld" slurmctld; then
  jobs=$(squeue -h -o '%i' 2>/dev/null | tr '\n' ' ' || true)
  if [ -n "${jobs// /}" ]; then
    log "cancelling jobs: $jobs"
    scancel --full $jobs 2>/dev/null || true
    for _ in $(seq 100); do
      [ -z "$(squeue -h -o '%i' 2>/dev/null || true)" ] && break
      sleep 0.1
    done
  fi
fi

for name in slurmd slurmctld munged; do
  pid=$(pidof_file "$RUN_DIR/$name.pid")
  if alive "$pid" "$name"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do alive "$pid" "$name" || break; sleep 0.1; done
    if alive "$pid" "$name"; then
      log "$name ignored SIGTERM for 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$RUN_DIR/$name.pid"
done
if [ "$purge" = 1 ]; then
  rm -rf /var/spool/runner-slurm /var/log/runner-slurm
fi
log "stopped"

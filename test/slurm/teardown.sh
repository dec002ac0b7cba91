#!/usr/bin/env bash
# Stops what setup.sh started, by the pids in STATE_DIR (slurmd, slurmctld, then munged if setup started it).
set -u
state="${1:?usage: teardown.sh STATE_DIR}"
stop() {
  local file="$1" pid
  [ -s "$file" ] || return 0
  pid="$(cat "$file")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$file"
}
stop "$state/slurmd.pid"
stop "$state/slurmctld.pid"
stop "$state/munged.pid"
echo "slurm teardown: stopped"

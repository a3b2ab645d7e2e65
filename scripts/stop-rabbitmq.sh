#!/usr/bin/env bash
# Stops a node started by scripts/start-rabbitmq.sh and removes its directory:
#   scripts/stop-rabbitmq.sh "$HOOKCTL_RABBITMQ_DIR"
# SIGTERM first (RabbitMQ stops cleanly on it), SIGKILL to the node's process
# group after 30 s; then its own epmd. Safe to run twice.
set -uo pipefail

dir=${1:-${HOOKCTL_RABBITMQ_DIR:-}}
log() { echo "stop-rabbitmq: $*" >&2; }
if [ -z "$dir" ]; then log "usage: $0 DIR (the HOOKCTL_RABBITMQ_DIR printed by start-rabbitmq.sh)"; exit 2; fi
if [ ! -f "$dir/state" ]; then log "$dir: no node state there (already stopped?)"; exit 0; fi
case "$(basename "$dir")" in
  hookctl-rabbitmq.*) ;;
  *) log "$dir is not a directory made by start-rabbitmq.sh"; exit 2 ;;
esac

server_pid=$(sed -n 's/^server_pid=//p' "$dir/state")
epmd_pid=$(sed -n 's/^epmd_pid=//p' "$dir/state")

# pids are group leaders (setsid): wait for the whole group to go
group_alive() { [ -n "$1" ] && kill -0 -- "-$1" 2>/dev/null; }

stop_group() {
  local pid=$1 secs=$2 i
  [ -n "$pid" ] || return 0
  group_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 $((secs * 10))); do
    group_alive "$pid" || return 0
    sleep 0.1
  done
  log "process group $pid still running after ${secs}s: SIGKILL"
  kill -KILL -- "-$pid" 2>/dev/null
  sleep 0.2
}

stop_group "$server_pid" 30
stop_group "$epmd_pid" 5
rm -rf -- "$dir"

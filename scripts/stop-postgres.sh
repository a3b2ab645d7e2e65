#!/usr/bin/env bash
# Stops a cluster started by scripts/start-postgres.sh and removes its
# directory:
#   scripts/stop-postgres.sh "$HOOKCTL_POSTGRES_DIR"
# pg_ctl stop -m fast (open sessions are ended), SIGKILL to the postmaster
# after 30 s; safe to run twice.
set -uo pipefail

dir=${1:-${HOOKCTL_POSTGRES_DIR:-}}
log() { echo "stop-postgres: $*" >&2; }
if [ -z "$dir" ]; then log "usage: $0 DIR (the HOOKCTL_POSTGRES_DIR printed by start-postgres.sh)"; exit 2; fi
if [ ! -f "$dir/state" ]; then log "$dir: no cluster state there (already stopped?)"; exit 0; fi
case "$(basename "$dir")" in
  hookctl-postgres.*) ;;
  *) log "$dir is not a directory made by start-postgres.sh"; exit 2 ;;
esac

pg_bin=$(sed -n 's/^pg_bin=//p' "$dir/state")
user=$(sed -n 's/^user=//p' "$dir/state")
run_as=()
if [ "$(id -u)" = 0 ] && [ -n "$user" ] && [ "$user" != root ]; then
  run_as=(setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups)
fi

pid=
if [ -f "$dir/data/postmaster.pid" ]; then pid=$(head -n 1 "$dir/data/postmaster.pid"); fi
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  env -i PATH=/usr/bin:/bin "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" stop -m fast -w -t 30 >&2 ||
    { log "pg_ctl stop failed: SIGKILL to the postmaster $pid"; kill -KILL "$pid" 2>/dev/null; sleep 0.5; }
fi
rm -rf -- "$dir"

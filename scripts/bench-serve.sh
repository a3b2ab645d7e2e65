#!/usr/bin/env bash
# bench-serve.sh — load `hookctl serve`: C concurrent API clients each create
# a webhook config and send an event to it (queued in the outbox, delivered by
# the server's workers to a local receiver). Prints API requests/s, p50/p99
# and errors, then deliveries/s and lost deliveries once the outbox drained.
#
# Usage: scripts/bench-serve.sh [CLIENTS] [DURATION] [WORKERS] [--database URL] [--replicas LIST]
#        (default 200 10s 16, replicas 1,2)
#
# First SQLite, one server (the embedded store in a fresh data directory).
# With --database postgres://… (a server whose role may CREATE DATABASE, such
# as the HOOKCTL_TEST_POSTGRES_URL of scripts/start-postgres.sh), then one run
# on PostgreSQL per replica count in LIST: that many `hookctl serve --database`
# processes on their own ports, on one fresh database (created on that
# server, dropped after), the clients' requests spread over them in turn, one
# receiver for all. Last, the runs side by side in one table.
set -euo pipefail
pos=()
DATABASE=
REPLICAS=1,2
while [ $# -gt 0 ]; do
  case "$1" in
    --database) DATABASE=${2:?--database needs a URL}; shift 2 ;;
    --database=*) DATABASE=${1#*=}; shift ;;
    --replicas) REPLICAS=${2:?--replicas needs a list such as 1,2}; shift 2 ;;
    --replicas=*) REPLICAS=${1#*=}; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "bench-serve: unknown option $1" >&2; exit 2 ;;
    *) pos+=("$1"); shift ;;
  esac
done
CLIENTS=${pos[0]:-200}
DUR=${pos[1]:-10s}
WORKERS=${pos[2]:-16}
case "$REPLICAS" in *[!0-9,]* | "" ) echo "bench-serve: --replicas takes counts such as 1,2" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
srv_pids=()
pg_db=
stop_servers() {
  local p
  for p in "${srv_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${srv_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  srv_pids=()
}
drop_db() {
  if [ -n "$pg_db" ]; then "$tmp/benchserve" dropdb "$DATABASE" "$pg_db" || true; pg_db=; fi
}
trap 'stop_servers; drop_db; rm -rf "$tmp"' EXIT

go build -o "$tmp/hookctl" ./cmd/hookctl
go build -o "$tmp/benchserve" ./scripts/benchserve
rows=()

# start_server N LOG ARGS…: starts replica N, waits for its URL in $tmp/url.N;
# fails (1) when it exits or is not ready in 10 s. --allow-target: the
# receiver is on loopback, where serve's outbound guard does not deliver
# otherwise.
start_server() {
  local n=$1 log=$2; shift 2
  rm -f "$tmp/url.$n"
  "$tmp/hookctl" serve --addr 127.0.0.1:0 --ready-file "$tmp/url.$n" --workers "$WORKERS" \
    --allow-target 127.0.0.0/8 "$@" 2>"$log" &
  local pid=$!
  srv_pids+=("$pid")
  for _ in $(seq 200); do
    [ -s "$tmp/url.$n" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# row NAME SUMMARY_FILE: one line of the table
row() {
  local name=$1 f=$2
  if [ -s "$f" ]; then
    IFS=$'\t' read -r rps p50 p99 errs dps lost brate blost <"$f"
    rows+=("$(printf '%-24s %9s %8s %8s %6s %12s %6s %14s %10s' "$name" "$rps" "$p50" "$p99" "$errs" "$dps" "$lost" "$brate" "$blost")")
  else
    rows+=("$(printf '%-24s %s' "$name" "no figures (benchserve failed)")")
  fi
}

# --- SQLite, one server -----------------------------------------------------------
export HOOKCTL_DATA_DIR="$tmp/data"
key=$("$tmp/hookctl" api-key create --name bench 2>/dev/null)
start_server 0 "$tmp/serve.log" || { cat "$tmp/serve.log" >&2; exit 1; }
url=$(cat "$tmp/url.0")
echo "hookctl serve $url  workers=$WORKERS  clients=$CLIENTS  duration=$DUR  $(nproc) CPUs"
"$tmp/benchserve" -api "$url" -key "$key" -c "$CLIENTS" -d "$DUR" -summary "$tmp/sum.sqlite"
curl -s -H "X-API-Key: $key" "$url/metrics" 2>/dev/null | grep -E '^hookctl_delivery_(attempts_total|queue_depth)' || true
stop_servers
row "sqlite, 1 server" "$tmp/sum.sqlite"

# --- PostgreSQL, 1…N replicas ---------------------------------------------------------
skip_pg=
if [ -z "$DATABASE" ]; then
  skip_pg="no --database postgres://… given"
elif ! "$tmp/hookctl" serve --help 2>&1 | grep -q -- '--database'; then
  skip_pg="this hookctl serve has no --database flag (the PostgreSQL store is not in this build)"
fi
for n in ${REPLICAS//,/ }; do
  name="postgresql, $n replica$([ "$n" = 1 ] || echo s)"
  if [ -n "$skip_pg" ]; then
    echo "$name: skipped: $skip_pg"
    rows+=("$(printf '%-24s skipped: %s' "$name" "$skip_pg")")
    continue
  fi
  echo
  pg_db=$("$tmp/benchserve" createdb "$DATABASE") || {
    rows+=("$(printf '%-24s skipped: %s' "$name" "could not create a database (see above)")"); continue; }
  export HOOKCTL_DATA_DIR="$tmp/data-pg-$n"
  # the key goes into the shared database: the local commands take the
  # same setting as serve
  if ! key=$(HOOKCTL_DATABASE_URL=$pg_db "$tmp/hookctl" api-key create --name bench 2>"$tmp/key.log"); then
    why="api-key create on PostgreSQL failed: $(head -n 1 "$tmp/key.log")"
    echo "$name: skipped: $why"; rows+=("$(printf '%-24s skipped: %s' "$name" "$why")")
    drop_db; continue
  fi
  urls=() failed=
  for i in $(seq 1 "$n"); do
    if ! start_server "$i" "$tmp/serve-pg-$n-$i.log" --database "$pg_db"; then
      failed="hookctl serve --database refused or did not start: $(grep -m 1 . "$tmp/serve-pg-$n-$i.log" || echo 'no message')"
      break
    fi
    urls+=("$(cat "$tmp/url.$i")")
  done
  if [ -n "$failed" ]; then
    echo "$name: skipped: $failed"; rows+=("$(printf '%-24s skipped: %s' "$name" "$failed")")
    stop_servers; drop_db; continue
  fi
  api=$(IFS=,; echo "${urls[*]}")
  echo "hookctl serve --database (PostgreSQL) × $n: ${urls[*]}  workers=$WORKERS each  clients=$CLIENTS  duration=$DUR  $(nproc) CPUs"
  "$tmp/benchserve" -api "$api" -key "$key" -c "$CLIENTS" -d "$DUR" -summary "$tmp/sum.pg$n" || true
  for u in "${urls[@]}"; do
    curl -s -H "X-API-Key: $key" "$u/metrics" 2>/dev/null | grep -E '^hookctl_delivery_(attempts_total|queue_depth)' | sed "s#^#$u #" || true
  done
  stop_servers; drop_db
  row "$name" "$tmp/sum.pg$n"
done

echo
echo "side by side: clients=$CLIENTS duration=$DUR workers=$WORKERS (per server)  $(nproc) CPUs"
printf '%-24s %9s %8s %8s %6s %12s %6s %14s %10s\n' store "API req/s" "p50 ms" "p99 ms" errors deliveries/s lost "burst deliv/s" "burst lost"
printf '%s\n' "${rows[@]}"

#!/usr/bin/env bash
# bench-serve.sh — load `hookctl serve`: C concurrent API clients each create
# a webhook config and send an event to it (queued in the outbox, delivered by
# the server's workers to a local receiver). Prints API requests/s, p50/p99
# and errors, then deliveries/s and lost deliveries once the outbox drained.
#
# Usage: scripts/bench-serve.sh [CLIENTS] [DURATION] [WORKERS]   (default 200 10s 16)
set -euo pipefail
CLIENTS=${1:-200}
DUR=${2:-10s}
WORKERS=${3:-16}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
srv_pid=
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

go build -o "$tmp/hookctl" ./cmd/hookctl
go build -o "$tmp/benchserve" ./scripts/benchserve
export HOOKCTL_DATA_DIR="$tmp/data"
key=$("$tmp/hookctl" api-key create --name bench 2>/dev/null)
"$tmp/hookctl" serve --addr 127.0.0.1:0 --ready-file "$tmp/url" --workers "$WORKERS" 2>"$tmp/serve.log" &
srv_pid=$!
for _ in $(seq 200); do [ -s "$tmp/url" ] && break; sleep 0.05; done
echo "hookctl serve $(cat "$tmp/url")  workers=$WORKERS  clients=$CLIENTS  duration=$DUR  $(nproc) CPUs"
"$tmp/benchserve" -api "$(cat "$tmp/url")" -key "$key" -c "$CLIENTS" -d "$DUR"
curl -s -H "X-API-Key: $key" "$(cat "$tmp/url")/metrics" 2>/dev/null | grep -E '^hookctl_delivery_(attempts_total|queue_depth)' || true

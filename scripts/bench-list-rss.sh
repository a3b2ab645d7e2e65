#!/usr/bin/env bash
# bench-list-rss.sh — issue 13 point 6: serve's memory stays bounded. Seeds N
# deliveries with distinct ~900 KB JSON payloads into a fresh `hookctl serve`
# (127.0.0.1 only, temp data dir), then C clients each, R rounds, list them
# all in pages of limit=1000 (following starting_after while has_more) and GET
# a few single deliveries (with their payloads), while the server's VmRSS is
# sampled every 50 ms. Prints the deliveries seeded, the payload MB stored,
# the requests made, the page latency, and the server's RSS after start,
# while seeding and while reading (peak VmHWM). Before lists were bounded, one
# GET /v1/deliveries?limit=0 over such a store took 828 MB.
#
# Usage: scripts/bench-list-rss.sh [N] [ROUNDS] [CLIENTS] [SIZE]   (default 1000 20 4 900000)
#   N        deliveries to seed         ROUNDS   rounds per client
#   CLIENTS  concurrent reading clients SIZE     bytes of each JSON payload
# Extra flags for scripts/listrss (e.g. -gets 5, -timeout 10m) go in LISTRSS_FLAGS.
set -euo pipefail
N=${1:-1000}
ROUNDS=${2:-20}
CLIENTS=${3:-4}
SIZE=${4:-900000}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
srv_pid=
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin" "$tmp/home"
go build -o "$tmp/bin/hookctl" ./cmd/hookctl
go build -o "$tmp/bin/listrss" ./scripts/listrss
# Never the user's home or XDG dirs: everything under $tmp.
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
	XDG_STATE_HOME="$tmp/home/.local/state" XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/home/run"
export HOOKCTL_DATA_DIR="$tmp/data"
unset HOOKCTL_API_URL HOOKCTL_API_KEY
key=$("$tmp/bin/hookctl" api-key create --name bench -o json 2>/dev/null | sed -n 's/^ *"key": *"\(hk_[a-z0-9]*\)".*/\1/p')
[ -n "$key" ] || { echo "bench-list-rss: no API key from hookctl api-key create" >&2; exit 1; }
"$tmp/bin/hookctl" serve --addr 127.0.0.1:0 --ready-file "$tmp/url" 2>"$tmp/serve.log" &
srv_pid=$!
for _ in $(seq 200); do [ -s "$tmp/url" ] && break; sleep 0.05; done
[ -s "$tmp/url" ] || { echo "bench-list-rss: serve did not start:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
url=$(cat "$tmp/url")
case $url in http://127.0.0.1:*) ;; *) echo "bench-list-rss: serve is at $url, not 127.0.0.1" >&2; exit 1 ;; esac
sleep 0.5 # let the process settle before the baseline RSS
echo "hookctl serve $url (pid $srv_pid)  n=$N  rounds=$ROUNDS  clients=$CLIENTS  payload=$SIZE bytes  $(nproc) CPUs  go $(go env GOVERSION)"
# shellcheck disable=SC2086 # LISTRSS_FLAGS is a list of flags
timeout 20m "$tmp/bin/listrss" -api "$url" -key "$key" -pid "$srv_pid" -n "$N" -rounds "$ROUNDS" -c "$CLIENTS" -size "$SIZE" ${LISTRSS_FLAGS:-}
db=$(du -sm "$tmp/data" | cut -f1)
echo "data dir on disk: ${db} MiB (hookctl.db and its WAL)"
if grep -qiE 'panic|fatal' "$tmp/serve.log"; then echo "serve log:"; tail -20 "$tmp/serve.log"; fi

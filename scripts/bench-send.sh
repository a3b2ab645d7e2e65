#!/usr/bin/env bash
# bench-send.sh — compare `hookctl webhook send --count N --concurrency C`
# with hey and wrk against the same local receiver, in the same run.
#
# Usage: scripts/bench-send.sh [COUNT] [CONCURRENCY]     (default 20000 64)
# Installs nothing: tools that are missing (hey, wrk) are skipped.
# Builds hookctl and scripts/benchserver into a temp dir.
set -euo pipefail
COUNT=${1:-20000}
CONC=${2:-64}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill "$srv_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/hookctl" ./cmd/hookctl
go build -o "$tmp/benchserver" ./scripts/benchserver
"$tmp/benchserver" >"$tmp/url" &
srv_pid=$!
for _ in $(seq 100); do [ -s "$tmp/url" ] && break; sleep 0.05; done
url="$(cat "$tmp/url")/hook"
echo "receiver: $url   count=$COUNT concurrency=$CONC   $(nproc) CPUs"
export HOOKCTL_DATA_DIR="$tmp/data"

# The payload hookctl signs, reused by hey and wrk so every tool sends the same bytes.
"$tmp/hookctl" events show device.enrolled -q payload >"$tmp/body.json"

run_hookctl() { # $1 label, rest: extra flags
	local label=$1; shift
	"$tmp/hookctl" webhook send device.enrolled --to "$url" --secret s3cret --count "$COUNT" --concurrency "$CONC" "$@" -o json >"$tmp/h.json"
	printf '%-28s %10s req/s   p50 %7s ms   p99 %7s ms\n' "$label" \
		"$("$tmp/hookctl" version >/dev/null; python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests_per_sec"])' "$tmp/h.json")" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_ms"]["p50"])' "$tmp/h.json")" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_ms"]["p99"])' "$tmp/h.json")"
}

# Warm-up (connections, page cache), not reported.
"$tmp/hookctl" webhook send device.enrolled --to "$url" --count 2000 --concurrency "$CONC" --mock -o json >/dev/null 2>&1

run_hookctl "hookctl send (recorded)"
run_hookctl "hookctl send --mock"  --mock

if command -v hey >/dev/null; then
	hey -n "$COUNT" -c "$CONC" -m POST -T application/json -D "$tmp/body.json" "$url" >"$tmp/hey.txt"
	rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/hey.txt")
	p50=$(awk '/50% in/ {print $3*1000}' "$tmp/hey.txt")
	p99=$(awk '/99% in/ {print $3*1000}' "$tmp/hey.txt")
	printf '%-28s %10s req/s   p50 %7s ms   p99 %7s ms\n' "hey" "$rps" "$p50" "$p99"
else
	echo "hey: not installed, skipped"
fi

if command -v wrk >/dev/null; then
	cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$tmp/body.json", "rb"); wrk.body = f:read("*a"); f:close()
LUA
	# wrk runs for a duration, not a count: 5 s with the same connections.
	wrk -t4 -c "$CONC" -d5s --latency -s "$tmp/post.lua" "$url" >"$tmp/wrk.txt"
	rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
	p50=$(awk '$1=="50%" {print $2}' "$tmp/wrk.txt")
	p99=$(awk '$1=="99%" {print $2}' "$tmp/wrk.txt")
	printf '%-28s %10s req/s   p50 %7s      p99 %7s\n' "wrk (5s)" "$rps" "$p50" "$p99"
else
	echo "wrk: not installed, skipped"
fi

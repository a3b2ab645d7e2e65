#!/usr/bin/env bash
# bench-send.sh — compare `hookctl webhook send --count N --concurrency C`
# (recorded, and --mock) with hey against the same local receiver, in the same
# run, ROUNDS times in turn (the machine's noise moves all three together),
# then wrk once.
#
# Usage: scripts/bench-send.sh [COUNT] [CONCURRENCY] [ROUNDS]   (default 20000 64 3)
# Installs nothing: tools that are missing (hey, wrk) are skipped.
# Builds hookctl and scripts/benchserver into a temp dir.
set -euo pipefail
COUNT=${1:-20000}
CONC=${2:-64}
ROUNDS=${3:-3}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill "$srv_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/hookctl" ./cmd/hookctl
go build -o "$tmp/benchserver" ./scripts/benchserver
"$tmp/benchserver" >"$tmp/url" &
srv_pid=$!
for _ in $(seq 100); do [ -s "$tmp/url" ] && break; sleep 0.05; done
url="$(cat "$tmp/url")/hook"
echo "receiver: $url   count=$COUNT concurrency=$CONC rounds=$ROUNDS   $(nproc) CPUs"
export HOOKCTL_DATA_DIR="$tmp/data"

# The payload hookctl signs, reused by hey and wrk so every tool sends the same bytes.
"$tmp/hookctl" events show device.enrolled -q payload >"$tmp/body.json"

row() { printf '%-26s %10s req/s   p50 %8s ms   p99 %8s ms\n' "$@"; }

# hookctl LABEL [FLAGS…]: one load run; prints a row, appends the rate to $tmp/LABEL.
hookctl_run() {
	local label=$1; shift
	local out
	out=$("$tmp/hookctl" webhook send device.enrolled --to "$url" --secret s3cret \
		--count "$COUNT" --concurrency "$CONC" "$@" -q '[requests_per_sec,latency_ms.p50,latency_ms.p99]' | tr -d '[]')
	IFS=, read -r rps p50 p99 <<<"$out"
	row "hookctl $label" "$rps" "$p50" "$p99"
	echo "$rps" >>"$tmp/$label"
}

hey_run() {
	hey -n "$COUNT" -c "$CONC" -m POST -T application/json -D "$tmp/body.json" "$url" >"$tmp/hey.txt"
	local rps p50 p99
	rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/hey.txt")
	p50=$(awk '/50% in/ {print $3*1000}' "$tmp/hey.txt")
	p99=$(awk '/99% in/ {print $3*1000}' "$tmp/hey.txt")
	row "hey" "$rps" "$p50" "$p99"
	echo "$rps" >>"$tmp/hey"
}

# Warm-up (connections, page cache), not reported.
"$tmp/hookctl" webhook send device.enrolled --to "$url" --count 2000 --concurrency "$CONC" --mock -o json >/dev/null 2>&1

have_hey=$(command -v hey >/dev/null && echo 1 || echo 0)
for r in $(seq "$ROUNDS"); do
	echo "round $r"
	hookctl_run recorded
	hookctl_run mock --mock
	if [ "$have_hey" = 1 ]; then hey_run; fi
done

median() { sort -g "$1" | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "median of $ROUNDS rounds:"
printf '  hookctl recorded %10.1f req/s\n' "$(median "$tmp/recorded")"
printf '  hookctl --mock   %10.1f req/s\n' "$(median "$tmp/mock")"
if [ "$have_hey" = 1 ]; then
	printf '  hey              %10.1f req/s\n' "$(median "$tmp/hey")"
	# Ratios per round (runs of one round are side by side), then their median.
	paste -d' ' "$tmp/recorded" "$tmp/hey" | awk '{print $1/$2}' >"$tmp/ratio-recorded"
	paste -d' ' "$tmp/mock" "$tmp/hey" | awk '{print $1/$2}' >"$tmp/ratio-mock"
	for which in recorded mock; do
		printf '  %-16s %9.0f%%   (rounds: %s)\n' "$which / hey" "$(median "$tmp/ratio-$which" | awk '{print $1*100}')" \
			"$(awk '{printf "%.0f%% ", $1*100}' "$tmp/ratio-$which")"
	done
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
	printf '%-26s %10s req/s   p50 %8s      p99 %8s\n' "wrk (5s, C client)" \
		"$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")" "$(awk '$1=="50%" {print $2}' "$tmp/wrk.txt")" "$(awk '$1=="99%" {print $2}' "$tmp/wrk.txt")"
else
	echo "wrk: not installed, skipped"
fi

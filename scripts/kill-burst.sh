#!/usr/bin/env bash
# kill-burst.sh — issue 14 point 5: nothing is acknowledged that is not
# recorded. Each run starts `hookctl webhook listen --port 0` on a fresh data
# dir (temp HOME/XDG/HOOKCTL_DATA_DIR, never the user's), sends a burst of N
# concurrent POSTs with unique X-Request-Id headers (scripts/killburst),
# SIGKILLs the listener mid-burst (after K answers 2xx, K varying per run),
# then reads the history back (`webhook requests list --limit 0 -o json`)
# and counts the requests answered 2xx that are missing from it. Must be 0.
#
# Usage: scripts/kill-burst.sh [RUNS] [N] [CONC]   (default 5 2000 32)
# HOOKCTL_BIN=path uses that binary instead of building ./cmd/hookctl (e.g.
# one built from an older commit, to compare).
set -euo pipefail
RUNS=${1:-5}
N=${2:-2000}
CONC=${3:-32}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
lis_pid=
trap '[ -n "$lis_pid" ] && kill -9 "$lis_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin"
bin=${HOOKCTL_BIN:-$tmp/bin/hookctl}
[ -n "${HOOKCTL_BIN:-}" ] || go build -o "$bin" ./cmd/hookctl
go build -o "$tmp/bin/killburst" ./scripts/killburst

bad=0
total_missing=0
for r in $(seq 1 "$RUNS"); do
	home="$tmp/run$r"
	mkdir -p "$home"
	export HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
		XDG_STATE_HOME="$home/.local/state" XDG_CACHE_HOME="$home/.cache" HOOKCTL_DATA_DIR="$home/data"
	unset HOOKCTL_API_URL HOOKCTL_API_KEY
	"$bin" webhook listen --port 0 --ready-file "$home/ready" >/dev/null 2>"$home/listen.err" &
	lis_pid=$!
	for _ in $(seq 100); do
		[ -s "$home/ready" ] && break
		kill -0 "$lis_pid" 2>/dev/null || { cat "$home/listen.err" >&2; exit 1; }
		sleep 0.1
	done
	url=$(head -1 "$home/ready")
	kill_after=$(( N / 10 + (r - 1) * N / (2 * RUNS) ))
	echo "run $r: $url, $N requests from $CONC senders, SIGKILL after $kill_after answered 2xx"
	# (stderr of the block off: bash reports the killed job there)
	{
		"$tmp/bin/killburst" burst -url "$url" -n "$N" -c "$CONC" -kill-after "$kill_after" -pid "$lis_pid" -run "run$r" -acked "$home/acked" 2>"$home/burst.err" ||
			{ cat "$home/burst.err" >&3; exit 1; }
		wait "$lis_pid" || true
	} 3>&2 2>/dev/null
	lis_pid=
	out=$("$bin" webhook requests list --limit 0 -o json | "$tmp/bin/killburst" check -acked "$home/acked") || bad=1
	echo "  $out" | head -2
	m=$(echo "$out" | sed -n 's/.*and missing \([0-9]*\).*/\1/p')
	total_missing=$(( total_missing + ${m:-0} ))
done
echo "total over $RUNS runs: $total_missing requests answered 2xx and missing from the history"
exit $bad

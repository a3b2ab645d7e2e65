#!/usr/bin/env bash
# bench-nested-rss.sh — issue 14 point 2: hostile nested bodies. Starts
# `hookctl webhook listen` (built binary, --port 0 --ready-file, 127.0.0.1
# only, temp HOME/XDG/HOOKCTL_DATA_DIR, default limits: --max-body 5MiB) and
# sends it C concurrent bodies of SIZE bytes of "[" (5 MiB of "[[[[…" is
# five million levels), ROUNDS times, while the listener's VmRSS is sampled
# every 20 ms. Prints the HTTP statuses, the RSS after start and the peak
# (VmHWM). Before the depth check (jsondepth.MaxDepth) gjson recursed once
# per level: one such body took the listener from 89 MB to 547 MB, 8 at
# once to 2.5 GB, and a 24 MiB one (--max-body 24MiB) crashed it with
# "fatal error: stack overflow". Aim: peak under 200 MB.
#
# Usage: scripts/bench-nested-rss.sh [CLIENTS] [ROUNDS] [SIZE]   (default 8 3 5242880)
# Extra flags for `webhook listen` (e.g. --max-body 24MiB --secret s) go in LISTEN_FLAGS.
set -euo pipefail
CLIENTS=${1:-8}
ROUNDS=${2:-3}
SIZE=${3:-5242880}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin" "$tmp/home"
go build -o "$tmp/bin/hookctl" ./cmd/hookctl
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
	XDG_STATE_HOME="$tmp/home/.local/state" XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/home/run"
export HOOKCTL_DATA_DIR="$tmp/data"
unset HOOKCTL_API_URL HOOKCTL_API_KEY
head -c "$SIZE" /dev/zero | tr '\0' '[' >"$tmp/body.json"

# shellcheck disable=SC2086 # LISTEN_FLAGS is a list of flags
"$tmp/bin/hookctl" webhook listen --host 127.0.0.1 --port 0 --ready-file "$tmp/ready" --format json ${LISTEN_FLAGS:-} \
	>"$tmp/listen.out" 2>"$tmp/listen.err" &
pid=$!
for _ in $(seq 200); do [ -s "$tmp/ready" ] && break; sleep 0.05; done
[ -s "$tmp/ready" ] || { echo "bench-nested-rss: listen did not start:" >&2; cat "$tmp/listen.err" >&2; exit 1; }
url=$(head -n1 "$tmp/ready")
case $url in http://127.0.0.1:*) ;; *) echo "bench-nested-rss: listening at $url, not 127.0.0.1" >&2; exit 1 ;; esac
sleep 0.5 # settle before the baseline
rss() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
base=$(rss VmRSS)
( while kill -0 "$pid" 2>/dev/null; do rss VmRSS >>"$tmp/samples"; echo >>"$tmp/samples"; sleep 0.02; done ) &
sampler=$!

start=$(date +%s.%N)
for _ in $(seq "$ROUNDS"); do
	curls=()
	for _ in $(seq "$CLIENTS"); do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
			--data-binary @"$tmp/body.json" "$url" >>"$tmp/codes" &
		curls+=($!)
	done
	wait "${curls[@]}" || true
done
end=$(date +%s.%N)
sleep 0.2
alive=yes
kill -0 "$pid" 2>/dev/null || alive="NO (it died)"
peak=$(rss VmHWM || true)
kill "$sampler" 2>/dev/null || true
sampled=$(sort -n "$tmp/samples" 2>/dev/null | tail -1)

echo "hookctl webhook listen $url  clients=$CLIENTS rounds=$ROUNDS body=$SIZE bytes of '['  flags='${LISTEN_FLAGS:-}'  $(nproc) CPUs  go $(go env GOVERSION)"
echo "statuses: $(sort "$tmp/codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
printf 'time: %.2fs   listener alive after: %s\n' "$(echo "$end - $start" | bc)" "$alive"
echo "RSS after start: ${base} MB   peak sampled VmRSS: ${sampled:-?} MB   peak VmHWM: ${peak:-?} MB"
if grep -qiE 'panic|fatal|stack overflow' "$tmp/listen.err"; then echo "listen stderr:"; tail -20 "$tmp/listen.err"; fi

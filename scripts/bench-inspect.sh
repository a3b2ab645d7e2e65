#!/usr/bin/env bash
# bench-inspect.sh — the web inspector's cost and weight, in headless chromium:
# 1. the listener's requests/s without --inspect, with --inspect and no page,
#    and with the page open on the live stream, in turn in each round of one
#    run (`webhook send --count N --concurrency C --mock` against it);
# 2. the time to the first render (body[data-ready]) with RECORDS requests
#    recorded, over cold loads;
# 3. the page's weight: the bytes of its resources as chromium saw them
#    (network events), empty and with RECORDS requests.
#
# Usage: scripts/bench-inspect.sh [COUNT] [CONCURRENCY] [ROUNDS] [RECORDS]   (default 20000 32 3 10000)
# BENCH_INSPECT_FLAGS=-diag adds two modes that change the open page (no
# highlight animation; at most 200 rows kept) to see where its cost is.
# Needs chromium (apt-get install chromium, or HOOKCTL_TEST_CHROMIUM=PATH).
# Builds hookctl and scripts/inspectbrowser into a temp dir.
set -euo pipefail
COUNT=${1:-20000}
CONC=${2:-32}
ROUNDS=${3:-3}
RECORDS=${4:-10000}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/hookctl" ./cmd/hookctl
go build -o "$tmp/inspectbrowser" ./scripts/inspectbrowser
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), $("${HOOKCTL_TEST_CHROMIUM:-chromium}" --version 2>/dev/null || echo 'chromium ?')"
"$tmp/inspectbrowser" bench -hookctl "$tmp/hookctl" -n "$COUNT" -c "$CONC" -rounds "$ROUNDS" -records "$RECORDS" ${BENCH_INSPECT_FLAGS:-}

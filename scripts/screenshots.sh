#!/usr/bin/env bash
# screenshots.sh — PNGs of the web inspector's main views for the README:
# seeds a temporary data directory through the CLI (webhook configs, signed
# and badly signed requests, deliveries that succeeded and failed, config
# instances), starts `hookctl webhook listen --inspect` over it on 127.0.0.1
# and takes 1280x800 screenshots in headless chromium.
#
# Usage: scripts/screenshots.sh [DIR]   (default docs/screenshots)
# Needs chromium (apt-get install chromium, or HOOKCTL_TEST_CHROMIUM=PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/screenshots}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/hookctl" ./cmd/hookctl
go build -o "$tmp/inspectbrowser" ./scripts/inspectbrowser
"$tmp/inspectbrowser" screenshots -hookctl "$tmp/hookctl" -out "$OUT"

#!/usr/bin/env bash
# Runs the product locally on its embedded defaults: a Temporal dev server
# with the Web UI (state in .data/temporal.db), the HubSpot emulator with a
# demo portal and MANUAL list, the worker, and a demo audience syncing.
# Ctrl-C stops everything. Flags go to cmd/hubsync-demo (-help lists them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cli="$(scripts/temporal-cli.sh)"
go build -o .bin/hubsync-demo ./cmd/hubsync-demo
exec .bin/hubsync-demo -temporal "$cli" "$@"

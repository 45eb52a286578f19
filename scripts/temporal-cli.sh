#!/usr/bin/env bash
# Builds the pinned Temporal CLI (tools/temporal/go.mod) to .bin/temporal,
# reusing an existing build whose pin matches. Prints the binary's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin=.bin/temporal
stamp=.bin/temporal.pin
pin="$(cat tools/temporal/go.mod tools/temporal/go.sum | sha256sum | cut -d' ' -f1)"
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ]; then
  echo "$root/$bin"
  exit 0
fi
mkdir -p .bin
echo "building the pinned Temporal CLI (first time takes several minutes)..." >&2
start=$(date +%s)
go build -modfile=tools/temporal/go.mod -o "$bin.tmp" github.com/temporalio/cli/cmd/temporal
mv "$bin.tmp" "$bin"
echo "$pin" > "$stamp"
echo "built $bin in $(( $(date +%s) - start ))s" >&2
echo "$root/$bin"

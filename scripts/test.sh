#!/usr/bin/env bash
# Runs every check and test the project has, on real parts: the HubSpot
# emulator over HTTP, HubSpot's published specs, and a real Temporal dev
# server (the pinned CLI is built on first use).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# HubSpot's OpenAPI specs live beside the repository (../shared/spec/hubspot)
# unless HUBSPOT_SPEC_DIR says otherwise; the spec tests fail without them.
if [ -z "${HUBSPOT_SPEC_DIR:-}" ] && [ -d "$root/../shared/spec/hubspot" ]; then
  export HUBSPOT_SPEC_DIR="$root/../shared/spec/hubspot"
fi

TEMPORAL_CLI="$(scripts/temporal-cli.sh)"
export TEMPORAL_CLI

# HubSpot's official Node SDK is run against the emulator unchanged.
echo "== npm ci (HubSpot's Node SDK for the emulator check)"
npm ci --prefix hubspot/hubspottest/sdkcheck --no-audit --no-fund --loglevel=error

# The Web UI test (integration/webui_test.go) drives a real headless Chromium
# and fails without one: install Debian's package when it is missing (CI runs
# as root). CHROMIUM=/path/to/chrome uses another build instead.
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Chromium is missing (the Web UI test needs it): run 'sudo apt-get install -y chromium', or set CHROMIUM to a Chrome or Chromium binary" >&2
    exit 1
  fi
  echo "== apt-get install chromium (for the Web UI browser test)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  chromium --version 2>/dev/null
fi

echo "== gofmt"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.bin/*'))"
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi

echo "== go vet"
go vet ./...

echo "== workflowcheck"
go run go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0 ./workflows/...

echo "== go test"
go test -count=1 -timeout 30m ./...

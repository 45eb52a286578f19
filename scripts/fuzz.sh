#!/usr/bin/env bash
# Runs every fuzz target for a fixed time (default 30s each; e.g.
# scripts/fuzz.sh 5m) and prints, per target, its executions and whether it
# found a crash. A crashing input is saved under the package's
# testdata/fuzz/, where it stays as a seed that every `go test` runs.
# Exits 1 if any target found a crash.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
fuzztime="${1:-30s}"
targets=(
  "./changefile FuzzOpen"
  "./workflows/audiencesync FuzzParseRecordID"
  "./workflows/audience FuzzValidateAdmit"
  "./workflows/audiencesync FuzzSyncMembershipSignal"
  "./config FuzzParse"
  "./hubspot FuzzMembershipAnswers"
  "./activities FuzzResultOf"
)
crashed=0
printf '%-40s %14s  %s\n' "target" "executions" "result"
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  out="$(go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" 2>&1)"
  execs="$(grep -o 'execs: [0-9]*' <<<"$out" | tail -1 | cut -d' ' -f2)"
  if grep -q '^ok' <<<"$out"; then
    result="no crash"
  else
    result="CRASH (see $pkg/testdata/fuzz/$name)"
    crashed=1
    echo "$out" | tail -20 >&2
  fi
  printf '%-40s %14s  %s\n' "$pkg $name" "${execs:-?}" "$result"
done
exit "$crashed"

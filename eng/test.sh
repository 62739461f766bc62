#!/usr/bin/env bash
# The test command (README, .ci/run): builds the solution with warnings as errors, starts what the tests need,
# runs every test project and prints "N passed, N failed" (counted from the TRX files) as its last line.
# Exits non-zero on any build or test failure.
#
#   eng/test.sh                 # everything
#   eng/test.sh --filter X      # extra arguments go to `dotnet test` (e.g. a test filter)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

summary() { # passed failed
  echo "$1 passed, $2 failed"
}

# Services the suites need are started by scripts in eng/services/ (each exports what the tests read and registers
# its own cleanup through the traps below).
cleanups=()
cleanup() {
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done
}
trap cleanup EXIT
for service in "$root"/eng/services/*.sh; do
  [ -e "$service" ] || continue
  # shellcheck source=/dev/null
  source "$service" || { echo "service script $(basename "$service") failed" >&2; summary 0 1; exit 1; }
done

if ! dotnet build Durex.sln -c Release -nologo -v quiet; then
  echo "build failed" >&2
  summary 0 1
  exit 1
fi

dotnet test Durex.sln -c Release --no-build --nologo \
  --logger "trx" --results-directory "$results" "$@"
test_exit=$?

passed=0
failed=0
trx_count=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  trx_count=$((trx_count + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
done

# A crashed test host can leave no TRX or a TRX with nothing failed: count that as a failure.
if [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
if [ "$trx_count" -eq 0 ]; then
  failed=$((failed + 1))
fi

summary "$passed" "$failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# `npm test`: the whole suite, in order. Each step says what it does in one line; the first failure stops
# the run with a non-zero exit. Nothing is skipped: missing system tools are installed (Debian/Ubuntu, as
# root) by scripts/provision-system.sh, or the run fails saying what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  local what=$1
  shift
  echo "==> ${what}"
  if ! "$@"; then
    echo "npm test: FAILED at: ${what}" >&2
    exit 1
  fi
}

step "System tools (Orthanc + DICOMweb plugin, dicom3tools, Chromium): installing any that are missing" \
  bash scripts/provision-system.sh
step "Lint (eslint, including the import rules between layers)" npm run lint --silent
step "Type check (main, shared, tests, scripts, bench; renderer)" npm run typecheck --silent
step "Reference tables match ../shared/reference (generate-reference --check)" \
  npx tsx scripts/generate-reference.ts --check
step "Build (tsc to dist/, generated tables, renderer bundle)" npm run build --silent

echo "==> Unit and integration tests (jest)"
report=$(mktemp "${TMPDIR:-/tmp}/cleardisc-jest.XXXXXX.json")
trap 'rm -f "$report"' EXIT
rc=0
npx jest --ci --json --outputFile="$report" || rc=$?
# One plain closing line, and a run that executed no test is a failure, never a silent pass.
if ! node -e '
  let r;
  try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); }
  catch { console.error("npm test: jest wrote no results (see its messages above)"); process.exit(1); }
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0 || r.numPassedTests === 0) { console.error("npm test: jest ran no test"); process.exit(1); }
' "$report"; then
  [[ $rc -ne 0 ]] || rc=1
fi
if [[ $rc -ne 0 ]]; then
  echo "npm test: FAILED at: Unit and integration tests (jest)" >&2
  exit "$rc"
fi
echo "npm test: all steps passed."

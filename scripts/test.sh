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
step "Format (prettier --check)" npx prettier --check --log-level warn .
step "Type check (main, shared, tests, scripts, bench; renderer and its tests)" npm run typecheck --silent
step "Reference tables match ../shared/reference (generate-reference --check)" \
  npx tsx scripts/generate-reference.ts --check
step "Build (tsc to dist/, generated tables, renderer bundle)" npm run build --silent

# Runs one jest suite with a JSON report; a run that executed no test is a failure, never a silent pass.
reports=()
trap 'rm -f "${reports[@]}"' EXIT
run_jest() {
  local what=$1
  shift
  echo "==> ${what}"
  local report
  report=$(mktemp "${TMPDIR:-/tmp}/cleardisc-jest.XXXXXX.json")
  reports+=("$report")
  local rc=0
  npx jest --ci --json --outputFile="$report" "$@" || rc=$?
  if ! node -e '
    let r;
    try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); }
    catch { console.error("npm test: jest wrote no results (see its messages above)"); process.exit(1); }
    if (r.numTotalTests === 0 || r.numPassedTests === 0) { console.error("npm test: jest ran no test"); process.exit(1); }
  ' "$report"; then
    [[ $rc -ne 0 ]] || rc=1
  fi
  if [[ $rc -ne 0 ]]; then
    echo "npm test: FAILED at: ${what}" >&2
    summary
    exit "$rc"
  fi
}

# One plain closing line over every suite that ran.
summary() {
  node -e '
    let p = 0, f = 0, s = 0;
    for (const file of process.argv.slice(1)) {
      try {
        const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
        p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + r.numTodoTests;
      } catch {}
    }
    console.log(`tests: ${p} passed, ${f} failed, ${s} skipped`);
  ' "${reports[@]}"
}

run_jest "Unit and integration tests (jest: real files, real Orthanc, dciodvfy)"
run_jest "End-to-end: the app's screens in headless Chromium through cleardisc serve" -c jest.e2e.config.js
echo "npm test: all steps passed."
summary

#!/usr/bin/env bash
# Runs the whole test suite (unit, integration, end-to-end through the gateway) after
# installing what it needs on a fresh Debian machine. Extra arguments go to pytest,
# e.g. `bash test.sh tests/unit -x`. The exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")"
source deploy/local/prepare.sh

ensure_uv
uv_sync
# nats-server: private test servers; nginx: the e2e gateway; chromium: browser tests.
ensure_debs nats-server nginx chromium docker-compose
if ! build_admin; then
    echo "warning: the admin web app did not build; its browser tests will fail" >&2
fi

# The whole run (no arguments) also holds the code to the lint and type rules.
lint=0
if [ "$#" -eq 0 ]; then
    log_step "ruff check, ruff format --check, mypy"
    "${UV[@]}" run --frozen ruff check . && "${UV[@]}" run --frozen ruff format --check . \
        && "${UV[@]}" run --frozen mypy . || lint=1
fi

mkdir -p artifacts
log_step "pytest"
start=$(date +%s)
set +e
"${UV[@]}" run --frozen pytest -p no:cacheprovider -ra --junitxml=artifacts/junit.xml "$@"
code=$?
set -e
elapsed=$(( $(date +%s) - start ))

summary=$(python3 - artifacts/junit.xml <<'PY' 2>/dev/null || true
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    sys.exit(0)
suites = [root] if root.tag == "testsuite" else list(root)
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(f"{total - failed - skipped} passed, {failed} failed, {skipped} skipped")
PY
)
echo
echo "==> test summary (pytest exit code ${code}, ${elapsed}s; junit: artifacts/junit.xml)"
[ -n "$summary" ] && echo "tests: ${summary}"
if [ "$lint" -ne 0 ]; then
    echo "lint: ruff or mypy found problems (see above)"
    [ "$code" -eq 0 ] && code=1
fi
exit "$code"
